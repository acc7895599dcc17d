"""Exponent fits of steps-to-learn and sample-complexity curves."""

import math

import numpy as np

from riskscope.analyses.features import (
    fit_steps_to_learn,
    sample_complexity_curve,
    samples_to_reach,
)


def test_exponents_recovered_per_k_and_censored_trials_counted():
    rng = np.random.default_rng(0)
    n = np.repeat([10, 14, 20, 28, 40], 4).astype(float)
    rows_n, rows_k, rows_t = [], [], []
    for k, alpha in ((2, 2.0), (3, 3.0)):
        t = 5 * n**alpha * np.exp(0.1 * rng.standard_normal(n.size))
        rows_n += n.tolist()
        rows_k += [k] * n.size
        rows_t += t.tolist()
    rows_n.append(40.0)
    rows_k.append(3)
    rows_t.append(math.nan)                         # one run that never learned
    fits = fit_steps_to_learn(rows_n, rows_k, rows_t, rng=1, n_resamples=500)
    assert fits[2].fit.contains(2.0) and fits[3].fit.contains(3.0)
    assert abs(fits[3].fit.exponent - 3.0) < 0.2
    assert fits[3].censored == 1 and fits[2].censored == 0
    assert fits[3].to_dict()["exponent_ci_low"] < 3.0 < fits[3].to_dict()["exponent_ci_high"]


def test_too_few_learned_trials_give_no_fit_but_a_note():
    fits = fit_steps_to_learn([10, 20], [2, 2], [100.0, math.nan])
    assert fits[2].fit is None and "no fit" in fits[2].note and fits[2].censored == 1


def test_sample_complexity_curve_means_and_threshold():
    n = [100, 100, 200, 200, 400, 400]
    err = [0.5, 0.4, 0.3, 0.2, 0.05, 0.03]
    curve = sample_complexity_curve(n, err)
    assert [p.n_train for p in curve] == [100, 200, 400]
    assert [p.error.value for p in curve] == [0.45, 0.25, 0.04]
    assert curve[0].error.ci_low < 0.45 < curve[0].error.ci_high
    assert samples_to_reach(curve, 0.1) == 400 and math.isnan(samples_to_reach(curve, 0.01))
