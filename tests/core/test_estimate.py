import math

import numpy as np
import pytest
from scipy import stats

from riskscope.core.estimate import Estimate, t_quantile


def test_exact_estimate_has_degenerate_interval():
    e = Estimate.exact_value(0.25)
    assert e.exact and e.ci_low == e.ci_high == 0.25 and e.stderr == 0.0


def test_t_quantile_matches_scipy_stats():
    for df in (1, 3, 30, 1000):
        for conf in (0.9, 0.95, 0.99):
            assert t_quantile(conf, df) == pytest.approx(stats.t.ppf(0.5 + conf / 2, df), 1e-10)


def test_from_samples_matches_hand_computation():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    e = Estimate.from_samples(x)
    se = x.std(ddof=1) / 2
    assert e.value == pytest.approx(3.5)
    assert e.stderr == pytest.approx(se)
    assert e.ci_high - e.value == pytest.approx(stats.t.ppf(0.975, 3) * se)


def test_interval_coverage_is_nominal():
    # 400 repetitions of a 95% interval on exponential samples of known mean 1.
    rng = np.random.default_rng(0)
    covered = sum(Estimate.from_samples(rng.exponential(size=200)).contains(1.0)
                  for _ in range(400))
    assert 0.91 <= covered / 400 <= 0.98


def test_single_sample_has_unbounded_interval():
    e = Estimate.from_samples([3.0])
    assert math.isinf(e.ci_low) and math.isinf(e.ci_high)
