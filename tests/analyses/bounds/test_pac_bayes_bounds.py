"""PAC-Bayes bound formulas: the reference values of REFERENCES.md and the pitfalls."""

import math

import numpy as np
import pytest
import torch

from riskscope.analyses.bounds import (
    bound_complexity,
    classic_bound,
    kl_bound,
    kl_bound_floor,
    kl_inverse_upper,
    lambda_bound,
    monte_carlo_risk_bound,
    optimal_lambda,
    quadratic_bound,
    training_objective,
)
from riskscope.core.errors import SpecError


@pytest.mark.parametrize("n,kl,risk,expected", [(30000, 0.0, 0.0, 0.0003),
                                                (30000, 100.0, 0.02, 0.0344),
                                                (4000, 100.0, 0.02, 0.0711)])
def test_kl_bound_reference_values(n, kl, risk, expected):
    assert round(kl_bound(risk, kl, n, 0.025), 4) == expected


@pytest.mark.parametrize("m,expected", [(100, 0.1019), (1000, 0.0379), (10000, 0.0249)])
def test_monte_carlo_step_reference_values(m, expected):
    assert round(monte_carlo_risk_bound(0.02, m, 0.01), 4) == expected


def test_complexity_uses_ln_of_2_sqrt_n_over_delta():
    # Pitfall: ln(2√n)/δ instead of ln(2√n/δ).
    n, kl, delta = 5000, 12.0, 0.025
    right = (kl + math.log(2 * math.sqrt(n) / delta)) / n
    wrong = (kl + math.log(2 * math.sqrt(n)) / delta) / n
    assert bound_complexity(kl, n, delta) == pytest.approx(right, rel=1e-15)
    r = torch.tensor(0.05, dtype=torch.float64)
    value = float(classic_bound(r, torch.tensor(kl, dtype=torch.float64), n, delta))
    assert value == pytest.approx(0.05 + math.sqrt(right / 2), rel=1e-12)
    assert abs(value - (0.05 + math.sqrt(wrong / 2))) > 0.05


def test_relaxations_are_never_below_the_kl_bound():
    rng = np.random.default_rng(1)
    for _ in range(200):
        r, kl, n = rng.uniform(0, 0.5), rng.exponential(200), int(rng.integers(50, 50000))
        exact = kl_bound(r, kl, n, 0.025)
        t = {k: torch.tensor(v, dtype=torch.float64) for k, v in (("r", r), ("kl", kl))}
        assert float(classic_bound(t["r"], t["kl"], n, 0.025)) >= exact - 1e-12
        assert float(quadratic_bound(t["r"], t["kl"], n, 0.025)) >= exact - 1e-12
        lam = rng.uniform(0.05, 1.95)
        assert float(lambda_bound(t["r"], t["kl"], n, 0.025, lam)) >= exact - 1e-12


def test_quadratic_formula_and_optimal_lambda():
    r, kl, n, d = 0.03, 50.0, 2000, 0.025
    c = (kl + math.log(2 * math.sqrt(n) / d)) / (2 * n)
    q = float(quadratic_bound(torch.tensor(r), torch.tensor(kl), n, d))
    assert q == pytest.approx((math.sqrt(r + c) + math.sqrt(c)) ** 2, rel=1e-6)
    lams = np.linspace(0.001, 1.999, 200001)
    b = kl + math.log(2 * math.sqrt(n) / d)
    values = r / (1 - lams / 2) + b / (n * lams * (1 - lams / 2))
    best = optimal_lambda(r, kl, n, d)
    assert best == pytest.approx(lams[int(np.argmin(values))], abs=2e-5)
    at_best = float(lambda_bound(torch.tensor(r, dtype=torch.float64),
                                 torch.tensor(kl, dtype=torch.float64), n, d, best))
    assert at_best == pytest.approx(values.min(), rel=1e-9)


def test_objectives_are_differentiable():
    for name in ("classic", "quadratic", "lambda"):
        r = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
        kl = torch.tensor(20.0, dtype=torch.float64, requires_grad=True)
        training_objective(name, r, kl, 1000, 0.025).backward()
        assert r.grad > 0 and kl.grad > 0


@pytest.mark.parametrize("delta", [0.0, 1.0, -0.1, 1.5, True, "0.05"])
def test_delta_outside_the_open_unit_interval_is_refused(delta):
    with pytest.raises(SpecError, match="delta") as err:
        kl_bound(0.1, 1.0, 100, delta)
    assert "(0, 1)" in str(err.value)
    with pytest.raises(SpecError, match="delta_mc"):
        monte_carlo_risk_bound(0.1, 100, delta)


def test_empty_bound_set_and_bad_values_are_refused():
    with pytest.raises(SpecError, match=r"bound_set_size.*cannot be empty"):
        kl_bound(0.1, 1.0, 0, 0.05)
    with pytest.raises(SpecError, match="kl"):
        kl_bound(0.1, -1.0, 10, 0.05)
    with pytest.raises(SpecError, match=r"q \(empirical risk\)"):
        kl_bound(1.7, 1.0, 10, 0.05)  # an unbounded loss value where [0, 1] is needed
    with pytest.raises(SpecError, match="objective"):
        training_objective("kl", torch.tensor(0.1), torch.tensor(1.0), 10, 0.05)
    with pytest.raises(SpecError, match="lam"):
        lambda_bound(torch.tensor(0.1), torch.tensor(1.0), 10, 0.05, 2.0)


def test_floor_is_the_bound_at_zero_kl_after_the_monte_carlo_step():
    # digits-sized numbers: 674 bound examples, a grid of 3 priors, 10,000 weight samples
    n, delta, r = 674, 0.025 / 3, 0.028
    exact = kl_inverse_upper(r, math.log(2 * math.sqrt(n) / delta) / n)
    assert kl_bound_floor(r, n, delta) == exact == kl_bound(r, 0.0, n, delta)
    lifted = kl_inverse_upper(r, math.log(2 / 0.01) / 10_000)
    assert kl_bound_floor(r, n, delta, 10_000, 0.01) == kl_inverse_upper(
        lifted, math.log(2 * math.sqrt(n) / delta) / n)
    # no KL can do better; more data, more samples or a higher δ lower it
    assert all(kl_bound(lifted, kl, n, delta) >= kl_bound_floor(r, n, delta, 10_000)
               for kl in (0.0, 0.5, 10.0))
    assert kl_bound_floor(r, 4 * n, delta) < exact < kl_bound_floor(r, n, delta, 10_000) \
        < kl_bound_floor(r, n, delta, 1000)
    # at r ≈ 0.03 the floor alone is more than twice the error on 674 examples
    assert 2.2 < exact / r < 2.3
