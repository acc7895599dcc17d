"""The Gaussian posterior: exact KL, fresh KL, sampling statistics, supported layers."""

import math

import pytest
import torch
from torch import nn

from riskscope.analyses.bounds import GaussianPosterior
from riskscope.core.errors import SpecError


def small_cnn(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)  # test-only model construction
    return nn.Sequential(nn.Conv1d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(3 * 6, 4))


def test_kl_matches_torch_distributions_exactly():
    model = small_cnn()
    prior_mean = {n: torch.randn_like(p) * 0.1 for n, p in model.named_parameters()}
    q = GaussianPosterior(model, prior_sigma=0.2, prior_mean=prior_mean, sigma=0.05)
    with torch.no_grad():
        for mu, rho in zip(q.mu, q.rho):
            mu.add_(torch.randn_like(mu) * 0.3)
            rho.add_(torch.randn_like(rho) * 0.5)
    expected = 0.0
    for mu, s, mp in zip(q.mu, q.sigmas(), q.prior_means()):
        qd = torch.distributions.Normal(mu.detach().double(), s.detach().double())
        pd = torch.distributions.Normal(mp.double(), torch.full_like(mp.double(), 0.2))
        expected += float(torch.distributions.kl_divergence(qd, pd).sum())
    assert float(q.kl_divergence().detach()) == pytest.approx(expected, rel=1e-12)


def test_kl_is_recomputed_from_current_parameters_not_cached():
    # Pitfall: a KL value left over from the last training-mode forward pass.
    q = GaussianPosterior(small_cnn(), prior_sigma=0.1)
    assert float(q.kl_divergence().detach()) == pytest.approx(0.0, abs=1e-9)
    q(torch.randn(2, 1, 6), generator=torch.Generator().manual_seed(0))  # a training pass
    with torch.no_grad():
        q.mu[0].add_(1.0)
    shift = q.mu[0].numel() / (2 * 0.1**2)
    assert float(q.kl_divergence().detach()) == pytest.approx(shift, rel=1e-6)  # float32 σ


@pytest.mark.parametrize("transform", ["softplus", "exp"])
def test_initial_scale_and_transforms(transform):
    q = GaussianPosterior(small_cnn(), prior_sigma=0.03, sigma=0.01, sigma_transform=transform)
    for s in q.sigmas():
        assert torch.allclose(s, torch.full_like(s, 0.01), rtol=1e-5)


def test_weight_samples_have_the_posterior_moments():
    q = GaussianPosterior(small_cnn(), prior_sigma=0.5, sigma=0.2)
    draws = q.sample_parameter_batch(seed=3, indices=range(4000))
    for name, mu, s in zip(q.names, q.mu, q.sigmas()):
        d = draws[name]
        se = s / math.sqrt(4000)
        assert ((d.mean(0) - mu).abs() < 5 * se).float().mean() > 0.99
        assert torch.allclose(d.std(0), s, rtol=0.1)


def test_sample_j_does_not_depend_on_how_samples_are_batched():
    q = GaussianPosterior(small_cnn(), prior_sigma=0.1)
    all_five = q.sample_parameter_batch(seed=7, indices=range(5))
    only_third = q.sample_parameter_batch(seed=7, indices=[3])
    for name in q.names:
        assert torch.equal(all_five[name][3], only_third[name][0])


def test_forward_mean_network_and_batched_samples():
    model = small_cnn()
    q = GaussianPosterior(model, prior_sigma=0.1)
    x = torch.randn(5, 1, 6)
    assert torch.allclose(q(x), model(x), atol=1e-6)
    assert torch.allclose(q.mean_network()(x), model(x), atol=1e-6)
    params = q.sample_parameter_batch(seed=0, indices=range(3))
    out = q.forward_samples(params, x)
    assert out.shape == (3, 5, 4)
    one = q.functional({n: t[1] for n, t in params.items()}, x)
    assert torch.allclose(out[1], one, atol=1e-5)


def test_layers_the_posterior_cannot_wrap_are_named():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    with pytest.raises(SpecError, match=r"model\.1") as err:
        GaussianPosterior(model, prior_sigma=0.1)
    assert "BatchNorm1d" in str(err.value) and "posterior" in str(err.value)
    layer_norm = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.Linear(8, 2))
    q = GaussianPosterior(layer_norm, prior_sigma=0.1)   # every parameter, norms included
    assert q.num_parameters == sum(p.numel() for p in layer_norm.parameters())
    with pytest.raises(SpecError, match="prior_sigma"):
        GaussianPosterior(nn.Linear(2, 2), prior_sigma=0.0)
