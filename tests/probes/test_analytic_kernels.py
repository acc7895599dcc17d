"""Infinite-width NNGP/NTK closed forms against Monte Carlo of wide finite networks."""

import math

import numpy as np
import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.models import MLP, MLPEnsemble, MLPSpec
from riskscope.probes.kernels import (
    analytic_nngp,
    analytic_ntk,
    empirical_ntk,
    mlp_kernels,
    two_layer_relu_gram,
)
from riskscope.probes.kernels.analytic import _expectations

pytestmark = pytest.mark.usefixtures("single_thread")


def _inputs(n=5, d=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=gen, dtype=torch.float64)


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_gaussian_expectations_match_monte_carlo(activation):
    cov = torch.tensor([[1.3, 0.6], [0.6, 0.8]], dtype=torch.float64)
    gen = torch.Generator().manual_seed(1)
    u = torch.randn(2_000_000, 2, generator=gen, dtype=torch.float64) @ torch.linalg.cholesky(
        cov).T
    if activation == "relu":
        phi, dphi = torch.relu(u), (u > 0).double()
    else:
        phi, dphi = torch.erf(u), 2 / math.sqrt(math.pi) * torch.exp(-u * u)
    q1, q2, k12 = (torch.tensor([[v]], dtype=torch.float64) for v in (1.3, 0.8, 0.6))
    e_phi, e_dphi = _expectations(activation, q1, q2, k12)
    assert float(e_phi) == pytest.approx(float((phi[:, 0] * phi[:, 1]).mean()), abs=3e-3)
    assert float(e_dphi) == pytest.approx(float((dphi[:, 0] * dphi[:, 1]).mean()), abs=5e-3)


def _mc_error(spec, x, members):
    analytic = mlp_kernels(spec, x).ntk
    total = sum(empirical_ntk(MLP(spec, torch.Generator().manual_seed(s)).double(), x)
                for s in range(members))
    return float(torch.linalg.norm(total / members - analytic) / torch.linalg.norm(analytic))


def test_wide_relu_networks_approach_the_analytic_ntk_like_one_over_sqrt_width():
    """The average of M networks' NTKs is off by ~1/√(M·width) (fluctuations) + O(1/width)."""
    x = _inputs(n=16)
    widths = [64, 256, 1024]
    errors = [_mc_error(MLPSpec(input_dim=4, output_dim=1, width=w, depth=1,
                                parameterization="ntk"), x, 4) for w in widths]
    assert errors[0] > errors[1] > errors[2]
    slope = np.polyfit(np.log(widths), np.log(errors), 1)[0]
    assert -0.9 < slope < -0.25
    assert errors[-1] < 0.03


def test_deep_erf_network_matches_jacot_convention_kernels():
    x = _inputs(n=4, d=3, seed=2)
    spec = MLPSpec(input_dim=3, output_dim=1, width=512, depth=2, activation="erf",
                   parameterization="ntk", bias_init_std=1.0)  # σ_w = 1, σ_b = 1 everywhere
    kernels = mlp_kernels(spec, x)
    assert torch.allclose(kernels.ntk, analytic_ntk(x, depth=2, activation="erf",
                                                    sigma_w=1.0, sigma_b=1.0))
    assert torch.allclose(kernels.nngp, analytic_nngp(x, depth=2, activation="erf",
                                                      sigma_w=1.0, sigma_b=1.0))
    assert _mc_error(spec, x, 4) < 0.06


def test_nngp_is_the_output_covariance_of_random_networks():
    """Depth 1: E[f(x) f(x')] equals the NNGP at any width; here 20,000 members of width 16."""
    x = _inputs(n=3, d=4, seed=3)
    spec = MLPSpec(input_dim=4, output_dim=1, width=16, depth=1, parameterization="ntk",
                   bias_init_std=0.5)
    ensemble = MLPEnsemble(spec, 20_000, dtype=torch.float64)
    gen = torch.Generator().manual_seed(6)
    with torch.no_grad():  # the initialization law of mlp_spec.py, drawn for all members at once
        for k, (weight, bias) in enumerate(zip(ensemble.weights, ensemble.biases)):
            weight.normal_(0.0, spec.scaling(k)[0], generator=gen)
            bias.normal_(0.0, spec.init_scale * spec.bias_init_std, generator=gen)
        f = ensemble(x)[..., 0]  # [M, 3]
    covariance = f.T @ f / f.shape[0]
    nngp = mlp_kernels(spec, x).nngp
    assert torch.allclose(covariance, nngp, atol=0.05 * float(nngp.abs().max()))


def test_du_gram_matches_monte_carlo_of_first_layer_features():
    x = _inputs(n=4, d=3, seed=4)
    x = x / x.norm(dim=1, keepdim=True)
    gen = torch.Generator().manual_seed(5)
    w = torch.randn(200_000, 3, generator=gen, dtype=torch.float64)
    active = (x @ w.T >= 0).double()
    mc = (x @ x.T) * (active @ active.T) / w.shape[0]
    assert torch.allclose(two_layer_relu_gram(x), mc, atol=5e-3)
    with pytest.raises(SpecError, match="unit-norm"):
        two_layer_relu_gram(2 * x)


def test_kernels_are_symmetric_positive_and_refuse_other_parameterizations():
    x = _inputs(n=6)
    ntk = analytic_ntk(x, depth=3, sigma_w=1.4, sigma_b=0.1)
    assert torch.allclose(ntk, ntk.T) and torch.linalg.eigvalsh(ntk).min() > 0
    with pytest.raises(SpecError, match="parameterization"):
        mlp_kernels(MLPSpec(input_dim=4, output_dim=1, width=8, depth=1), x)
    with pytest.raises(SpecError, match="activation"):
        analytic_ntk(x, activation="tanh")
