"""The certificate: its arithmetic by hand, separate δ and δ′, the prior grid, coverage."""

import json
import math

import pytest
import torch
from torch import nn

from riskscope.analyses.bounds import (
    GaussianPosterior,
    certify_posterior,
    kl_bound,
    kl_bound_floor,
    kl_inverse_upper,
    monte_carlo_risks,
)
from riskscope.core.errors import SpecError
from riskscope.tasks.base import Dataset


def mixture(n: int, seed: int) -> Dataset:
    """Two Gaussian classes in 2-d, means ±(1, 0)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.randn(n, 2, generator=g) + torch.stack([2.0 * y - 1, 0 * y], 1)
    return Dataset(x, y)


def posterior(sigma=0.3) -> GaussianPosterior:
    model = nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[-1.0, 0.2], [1.0, -0.1]]))
        model.bias.zero_()
    return GaussianPosterior(model, prior_sigma=sigma, sigma=sigma * 0.8)


def test_certificate_arithmetic_by_hand_and_json():
    q, data = posterior(), mixture(300, 0)
    cert = certify_posterior(q, data, delta=0.025, delta_mc=0.01, num_weight_samples=200,
                             seed=1, prior_grid_size=3)
    risks = monte_carlo_risks(q, data, 200, seed=1)
    kl = float(q.kl_divergence().detach())
    r_mc = float(risks.zero_one.mean())
    r_up = kl_inverse_upper(r_mc, math.log(2 / 0.01) / 200)
    assert cert.kl == pytest.approx(kl)
    assert cert.zero_one.empirical_risk_mc == pytest.approx(r_mc)
    assert cert.zero_one.empirical_risk_bound == pytest.approx(r_up)
    assert cert.zero_one.risk_bound == pytest.approx(kl_bound(r_up, kl, 300, 0.025 / 3))
    assert cert.confidence == pytest.approx(1 - 0.025 - 0.01)
    assert (cert.bound_set_size, cert.num_weight_samples, cert.prior_grid_size) == (300, 200, 3)
    assert 0 <= cert.bounded_cross_entropy.empirical_risk_mc <= \
        cert.bounded_cross_entropy.risk_bound <= 1
    assert cert.zero_one.bound_at_zero_kl == pytest.approx(kl_bound(r_up, 0.0, 300, 0.025 / 3))
    assert cert.zero_one.bound_at_zero_kl < cert.zero_one.risk_bound  # KL > 0
    assert (cert.mc_choices, cert.delta_mc_per_choice) == (1, 0.01)
    assert math.isnan(cert.ratio_floor) and math.isnan(cert.bound_over_stochastic_test_error)
    back = json.loads(cert.to_json())
    assert back["zero_one"]["risk_bound"] == cert.zero_one.risk_bound
    assert back["delta_mc"] == 0.01 and math.isnan(back["stochastic_test_error"])
    assert cert.flat()["bound"] == cert.zero_one.risk_bound


def test_delta_and_delta_mc_enter_separately():
    # Pitfall: one δ used for both the Monte-Carlo step and the PAC-Bayes inversion.
    q, data = posterior(), mixture(200, 1)
    a = certify_posterior(q, data, delta=0.025, delta_mc=0.01, num_weight_samples=100, seed=0)
    b = certify_posterior(q, data, delta=0.025, delta_mc=0.2, num_weight_samples=100, seed=0)
    c = certify_posterior(q, data, delta=0.2, delta_mc=0.01, num_weight_samples=100, seed=0)
    assert b.zero_one.empirical_risk_bound < a.zero_one.empirical_risk_bound  # δ′ only
    assert c.zero_one.empirical_risk_bound == a.zero_one.empirical_risk_bound  # not δ
    assert c.zero_one.risk_bound < a.zero_one.risk_bound


def test_floor_and_ratio_with_a_test_set():
    q, data, test = posterior(), mixture(300, 0), mixture(400, 5)
    cert = certify_posterior(q, data, num_weight_samples=200, seed=1, prior_grid_size=3,
                             test_data=test, test_weight_samples=50)
    e = cert.stochastic_test_error
    floor = kl_bound_floor(e, 300, 0.025 / 3, 200, 0.01)
    assert cert.floor_at_stochastic_test_error == pytest.approx(floor)
    assert cert.ratio_floor == pytest.approx(floor / e)
    assert cert.ratio_floor_exact_mc == pytest.approx(kl_bound_floor(e, 300, 0.025 / 3) / e)
    assert cert.ratio_floor_exact_mc < cert.ratio_floor
    assert cert.bound_over_stochastic_test_error == pytest.approx(cert.zero_one.risk_bound / e)
    assert cert.bound_over_stochastic_test_error_ci_low == pytest.approx(
        cert.zero_one.risk_bound / cert.stochastic_test_error_ci_high)
    assert cert.bound_over_stochastic_test_error_ci_low < cert.bound_over_stochastic_test_error \
        < cert.bound_over_stochastic_test_error_ci_high
    flat = cert.flat()
    assert flat["bound_at_zero_kl"] == cert.zero_one.bound_at_zero_kl
    assert flat["bound_at_zero_kl_cross_entropy"] == \
        cert.bounded_cross_entropy.bound_at_zero_kl
    assert flat["ratio_floor"] == cert.ratio_floor


def test_choosing_on_the_certificates_own_samples_splits_delta_mc():
    # picking the best of k certificates by their own Monte-Carlo estimates needs every
    # sampling step to hold at once: δ′/k each (a union bound), as for δ
    q, data = posterior(), mixture(200, 2)
    one = certify_posterior(q, data, num_weight_samples=100, seed=0, prior_grid_size=4)
    four = certify_posterior(q, data, num_weight_samples=100, seed=0, prior_grid_size=4,
                             mc_choices=4)
    assert four.delta_mc_per_choice == pytest.approx(0.0025) and four.delta_mc == 0.01
    assert four.zero_one.empirical_risk_bound == pytest.approx(
        kl_inverse_upper(four.zero_one.empirical_risk_mc, math.log(2 / 0.0025) / 100))
    assert four.zero_one.risk_bound > one.zero_one.risk_bound
    assert four.confidence == pytest.approx(1 - 0.025 - 0.01)
    with pytest.raises(SpecError, match="mc_choices"):
        certify_posterior(q, data, num_weight_samples=10, seed=0, mc_choices=0)


def test_prior_grid_is_paid_for_by_a_union_bound():
    q, data = posterior(), mixture(200, 2)
    bounds = [certify_posterior(q, data, num_weight_samples=50, seed=0, prior_grid_size=k)
              for k in (1, 4, 64)]
    values = [b.zero_one.risk_bound for b in bounds]
    assert values[0] < values[1] < values[2] and all(math.isfinite(v) for v in values)
    assert bounds[2].delta_per_prior == pytest.approx(0.025 / 64)
    # a grid index that can go negative (ln of a negative number) cannot arise: the grid is
    # given by its size, checked >= 1
    with pytest.raises(SpecError, match="prior_grid_size"):
        certify_posterior(q, data, num_weight_samples=50, seed=0, prior_grid_size=0)


def test_kl_of_the_certificate_is_fresh():
    q, data = posterior(), mixture(100, 3)
    q(data.x, generator=torch.Generator().manual_seed(0))  # a training-mode pass
    with torch.no_grad():
        q.mu[0].add_(0.5)
    cert = certify_posterior(q, data, num_weight_samples=20, seed=0)
    assert cert.kl == pytest.approx(float(q.kl_divergence().detach())) and cert.kl > 1


def test_certificate_holds_with_the_stated_confidence():
    # A prior fixed before the data (posterior = prior, KL = 0) on a mixture whose stochastic
    # risk R(Q) is computed on 50,000 fresh points: over 40 independent bound sets the bound
    # may fail with probability at most δ + δ′ = 0.035 each; a sound certificate fails ~never.
    model = nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[-1.0, 0.0], [1.0, 0.0]]))
        model.bias.zero_()
    q = GaussianPosterior(model, prior_sigma=0.5)
    risk = float(monte_carlo_risks(q, mixture(50_000, 99), 20, seed=9).zero_one.mean())
    fails = 0
    for k in range(40):
        cert = certify_posterior(q, mixture(150, 100 + k), num_weight_samples=100, seed=k)
        fails += cert.zero_one.risk_bound < risk
    assert fails <= 4  # P(Binomial(40, 0.035) > 4) ≈ 0.05 even at the worst allowed rate


@pytest.mark.parametrize("kwargs,field", [
    ({"delta": 1.0}, "delta"), ({"delta": 0.0}, "delta"), ({"delta_mc": -0.1}, "delta_mc"),
    ({"delta": 0.6, "delta_mc": 0.5}, "delta + delta_mc"), ({"p_min": 0.0}, "p_min"),
    ({"num_weight_samples": 0}, "num_weight_samples")])
def test_bad_certificate_arguments(kwargs, field):
    with pytest.raises(SpecError, match=field.replace("+", r"\+")):
        certify_posterior(posterior(), mixture(20, 0), **{"num_weight_samples": 5, **kwargs})


def test_empty_bound_set_is_refused():
    with pytest.raises(SpecError, match="bound_data"):
        certify_posterior(posterior(), mixture(20, 0).subset(slice(0, 0)), num_weight_samples=5)
