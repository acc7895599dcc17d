"""Hutchinson and Hutch++: exactness where possible, convergence rates, CI coverage."""

import numpy as np
import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.probes.estimators import hutchinson_trace, hutchplusplus_trace
from riskscope.probes.linops import HessianOperator
from riskscope.testing.dense_curvature import dense_hessian

from .conftest import regression_data, symmetric_matrix, tiny_mlp

pytestmark = pytest.mark.usefixtures("single_thread")


def test_diagonal_matrix_is_exact_with_rademacher_probes():
    a = torch.diag(torch.linspace(-2, 3, 30, dtype=torch.float64))
    est = hutchinson_trace(a, 10)
    assert est.value == pytest.approx(float(a.trace()), abs=1e-12)
    assert est.stderr == pytest.approx(0.0, abs=1e-12)


def test_hutchplusplus_is_exact_when_the_sketch_spans_a_low_rank_matrix():
    a = symmetric_matrix([4.0, -1.0, 2.0] + [0.0] * 47)
    est = hutchplusplus_trace(a, 12)
    assert est.value == pytest.approx(5.0, abs=1e-10)


def _mean_abs_error(estimator, a, m, reps):
    exact = float(a.trace())
    return np.mean([abs(estimator(a, m, rng=r).value - exact) for r in range(reps)])


def test_error_falls_like_one_over_sqrt_m_and_one_over_m():
    """Decaying spectrum λ_i = 1/i: Hutchinson error ∝ m^-1/2, Hutch++ ∝ m^-1
    (Meyer et al. 2021)."""
    a = symmetric_matrix(1.0 / torch.arange(1, 401, dtype=torch.float64), seed=2)
    ms = [12, 48, 192]
    hutch = [_mean_abs_error(hutchinson_trace, a, m, 40) for m in ms]
    plus = [_mean_abs_error(hutchplusplus_trace, a, m, 40) for m in ms]
    slope_hutch = np.polyfit(np.log(ms), np.log(hutch), 1)[0]
    slope_plus = np.polyfit(np.log(ms), np.log(plus), 1)[0]
    assert -0.7 < slope_hutch < -0.3
    assert slope_plus < -0.8
    assert plus[-1] < hutch[-1] / 3


def test_hutchinson_interval_covers_the_trace_95_percent_of_the_time():
    a = symmetric_matrix(torch.linspace(-1, 3, 60) ** 3, seed=4)
    exact = float(a.trace())
    gen = torch.Generator().manual_seed(11)
    hits = [hutchinson_trace(a, 30, rng=gen).contains(exact) for _ in range(200)]
    assert 0.88 <= np.mean(hits) <= 0.99


def test_hutchplusplus_interval_covers_the_trace():
    a = symmetric_matrix(1.0 / torch.arange(1, 101, dtype=torch.float64) ** 0.5, seed=6)
    exact = float(a.trace())
    gen = torch.Generator().manual_seed(12)
    hits = [hutchplusplus_trace(a, 45, rng=gen).contains(exact) for _ in range(200)]
    assert 0.88 <= np.mean(hits) <= 0.99


def test_negative_trace_with_relative_stop_terminates_and_is_right():
    """Pitfall: a stopping rule dividing by a trace that can be negative."""
    a = symmetric_matrix(torch.linspace(-5, 1, 50), seed=7)
    est = hutchinson_trace(a, 2000, rtol=0.05)
    assert est.value < 0 and est.contains(float(a.trace()))
    assert 10 <= est.n < 2000
    assert (est.ci_high - est.ci_low) / 2 <= 0.05 * abs(est.value)


def test_hessian_trace_of_a_tiny_model_is_covered():
    model = tiny_mlp()
    x, y = regression_data()
    op = HessianOperator(model, (x, y), "squared_error")
    exact = float(dense_hessian(model, x, y, op.loss_fn).trace())
    est = hutchinson_trace(op, 100, rng=3)
    assert est.contains(exact)  # a fixed seed: one draw of a 95% interval
    assert est.extra["num_products"] == 100 == op.num_products


def test_bad_counts_are_refused():
    a = torch.eye(3, dtype=torch.float64)
    with pytest.raises(SpecError, match="num_samples"):
        hutchinson_trace(a, 1)
    with pytest.raises(SpecError, match="num_products"):
        hutchplusplus_trace(a, 3)
    with pytest.raises(SpecError, match="square"):
        hutchinson_trace(torch.ones(3, 4), 10)
