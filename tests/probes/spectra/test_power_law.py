"""The CSN power-law fit: exact on a hand-computable case, recovers planted exponents, finds
the tail start, and agrees with the `powerlaw` package (a test-only oracle)."""

import math

import numpy as np
import pytest

from riskscope.core.errors import SpecError
from riskscope.probes.spectra import fit_power_law


def pareto(alpha: float, n: int, x_min: float = 1.0, seed: int = 0) -> np.ndarray:
    """Samples of density ∝ x^−alpha on [x_min, ∞) by inversion."""
    u = np.random.default_rng(seed).random(n)
    return x_min * (1 - u) ** (-1 / (alpha - 1))


def test_fixed_x_min_matches_the_closed_form_and_brute_force_ks():
    x = np.array([1.0, 1.5, 2.0, 4.0, 9.0])
    fit = fit_power_law(x, x_min=1.0)
    alpha = 1 + 5 / np.log(x).sum()
    assert fit.alpha == pytest.approx(alpha, rel=1e-12)
    assert fit.alpha_stderr == pytest.approx((alpha - 1) / math.sqrt(5))
    # KS sup by brute force on a fine grid (the model CDF is continuous, the ECDF a step)
    grid = np.linspace(1, 9.5, 200001)
    ecdf = np.searchsorted(np.sort(x), grid, side="right") / 5
    model = 1 - grid ** (1 - alpha)
    assert fit.ks_distance == pytest.approx(np.abs(ecdf - model).max(), abs=1e-4)


@pytest.mark.parametrize("alpha", [1.8, 2.5, 4.0, 6.0])
def test_planted_exponents_are_recovered(alpha):
    x = pareto(alpha, 3000, seed=int(alpha * 10))
    fit = fit_power_law(x)
    # the MLE's standard error is (α−1)/√n_tail; allow four of them plus the x_min search
    assert abs(fit.alpha - alpha) < 4 * fit.alpha_stderr + 0.05, fit
    assert fit.n_tail > 300


def test_tail_start_is_found_above_a_non_power_law_body():
    rng = np.random.default_rng(3)
    body = rng.uniform(0.1, 1.0, 3000)           # no power law below 1
    tail = pareto(3.0, 1500, x_min=1.0, seed=4)
    fit = fit_power_law(np.concatenate([body, tail]))
    assert 0.9 <= fit.x_min <= 1.4
    assert fit.alpha == pytest.approx(3.0, abs=0.25)


def test_too_few_points_or_non_positive_values_give_nan():
    assert math.isnan(fit_power_law([1.0, 2.0, 3.0]).alpha)
    fit = fit_power_law([0.0, -1.0, np.nan, *pareto(2.5, 200)])
    assert fit.n == 200 and math.isfinite(fit.alpha)
    with pytest.raises(SpecError, match="min_tail"):
        fit_power_law([1.0, 2.0], min_tail=1)
    with pytest.raises(SpecError, match="x_min"):
        fit_power_law([1.0, 2.0], x_min=-1.0)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::RuntimeWarning")
def test_agrees_with_the_powerlaw_package():
    powerlaw = pytest.importorskip("powerlaw")
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(0.2, 1.0, 400), pareto(2.7, 600, seed=8)])
    ours = fit_power_law(x, min_tail=2)
    theirs = powerlaw.Fit(x, verbose=False)
    # Both find a tail start above the uniform body (the planted tail starts at 1). The KS
    # landscape is flat there, and the package compares the model CDF with the ECDF after each
    # jump only (one side of the exact sup), so the two may pick different starts; α agrees.
    assert ours.x_min >= 0.95 and theirs.power_law.xmin >= 0.95
    assert ours.alpha == pytest.approx(theirs.power_law.alpha, rel=0.03)
    # at a common x_min the estimates are identical, and the exact sup is >= the one-sided one
    fixed = fit_power_law(x, x_min=float(theirs.power_law.xmin))
    assert fixed.alpha == pytest.approx(theirs.power_law.alpha, rel=1e-9)
    assert fixed.ks_distance >= theirs.power_law.D - 1e-12
