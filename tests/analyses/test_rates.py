"""Power-law fits: recover a known exponent, CI coverage near nominal, verdicts, bad input."""

import math

import numpy as np
import pytest

from riskscope.analyses.rates import PowerLawFit, fit_power_law
from riskscope.core.errors import SpecError

ALPHA, C = -0.5, 2.0


def synthetic(gen, n_x=6, per_x=4, sigma=0.2):
    """y = C x^α times log-normal noise at a geometric grid of x, `per_x` trials each."""
    x = np.repeat(np.geomspace(16, 1024, n_x), per_x)
    return x, C * x**ALPHA * np.exp(sigma * gen.standard_normal(x.size))


def test_recovers_known_exponent_and_prefactor():
    x, y = synthetic(np.random.default_rng(0), per_x=8, sigma=0.05)
    fit = fit_power_law(x, y, rng=1)
    assert isinstance(fit, PowerLawFit)
    assert fit.exponent == pytest.approx(ALPHA, abs=0.02)
    assert fit.prefactor == pytest.approx(C, rel=0.1)
    assert fit.exponent_ci[0] < fit.exponent < fit.exponent_ci[1]
    assert fit.prefactor_ci[0] < fit.prefactor < fit.prefactor_ci[1]
    assert (fit.n_points, fit.n_dropped, fit.n_x, fit.n_resamples) == (48, 0, 6, 2000)
    assert "stratified" in fit.method and "per-trial" in fit.method
    assert fit.predict([1.0])[0] == pytest.approx(fit.prefactor)
    assert "α = -0.5" in f"{fit:.1f}"


def test_noiseless_fit_is_exact():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    fit = fit_power_law(x, 3.0 * x**-1.0, rng=0)
    assert fit.exponent == pytest.approx(-1.0) and fit.prefactor == pytest.approx(3.0)
    assert fit.exponent_ci == pytest.approx((-1.0, -1.0))


def test_same_seed_same_interval():
    x, y = synthetic(np.random.default_rng(2))
    assert fit_power_law(x, y, rng=5) == fit_power_law(x, y, rng=np.random.default_rng(5))


@pytest.mark.parametrize("n_x,per_x,method", [(6, 4, "auto"), (3, 2, "auto"), (10, 1, "auto"),
                                               (6, 4, "residual")])
def test_ci_coverage_close_to_nominal(n_x, per_x, method):
    """Over 200 synthetic repetitions the 95% intervals on α and C cover the truth 88–99%,
    small designs (3 grid points × 2 seeds) included."""
    gen = np.random.default_rng(123)
    hits_alpha = hits_c = 0
    reps = 200
    for _ in range(reps):
        x, y = synthetic(gen, n_x=n_x, per_x=per_x)
        fit = fit_power_law(x, y, rng=gen, n_resamples=1000, method=method)
        hits_alpha += fit.contains(ALPHA)
        hits_c += fit.prefactor_ci[0] <= C <= fit.prefactor_ci[1]
    expected = "stratified" if per_x > 1 and method == "auto" else "residual"
    assert expected in fit.method
    assert 0.88 <= hits_alpha / reps <= 0.99
    assert 0.88 <= hits_c / reps <= 0.99


def test_verdicts():
    x, y = synthetic(np.random.default_rng(3), per_x=6, sigma=0.1)
    fit = fit_power_law(x, y, rng=0)
    assert fit.check(-0.5) == "holds"
    assert fit.check(-1.0) == "does not hold"
    assert fit.check(0.0) == "does not hold"


def test_drops_non_positive_and_non_finite_points_with_a_count():
    x, y = synthetic(np.random.default_rng(4))
    y = y.copy()
    y[:3] = [0.0, -1.0, math.nan]
    fit = fit_power_law(np.append(x, [0.0, 32.0]), np.append(y, [1.0, math.inf]), rng=0)
    assert fit.n_dropped == 5 and fit.n_points == x.size - 3


@pytest.mark.parametrize("x,y,match", [
    ([1, 2, 3, 4], [1, 0, -1, 2], "at least 3 positive"),
    ([1, 2], [1, 2], "at least 3 positive"),
    ([2, 2, 2], [1, 2, 3], "at least 2 distinct"),
    ([1, 2, 3], [1, 2], "as many x values"),
])
def test_bad_input_is_a_clear_spec_error(x, y, match):
    with pytest.raises(SpecError, match=match):
        fit_power_law(x, y, rng=0)


def test_bad_arguments():
    x, y = [1, 2, 4, 8], [1, 0.5, 0.25, 0.125]
    with pytest.raises(SpecError, match="rng"):
        fit_power_law(x, y, rng=None)
    with pytest.raises(SpecError, match="method"):
        fit_power_law(x, y, rng=0, method="jackknife")
    with pytest.raises(SpecError, match="single trial"):
        fit_power_law(x, y, rng=0, method="stratified")
    with pytest.raises(SpecError, match="n_resamples"):
        fit_power_law(x, y, rng=0, n_resamples=10)
    with pytest.raises(SpecError, match="confidence"):
        fit_power_law(x, y, rng=0, confidence=1.5)
