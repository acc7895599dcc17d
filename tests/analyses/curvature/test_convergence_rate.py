"""Predicted vs observed GD rates: exact on a model linear in its parameters."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from riskscope.analyses.curvature import (
    du_residual_bound_rate,
    observed_residual_rate,
    pl_ratios,
    predicted_residual_rate,
    rate_ratio,
)
from riskscope.models import FunctionalEnsemble
from riskscope.probes.kernels import empirical_ntk, kernel_spectrum
from riskscope.procedures import run_gradient_descent

pytestmark = pytest.mark.usefixtures("single_thread")


def _linear_models(d=10, out=2, members=2):
    def make(gen):
        layer = nn.Linear(d, out).double()
        with torch.no_grad():
            layer.weight.copy_(torch.randn(out, d, generator=gen, dtype=torch.float64))
            layer.bias.zero_()
        return layer
    return FunctionalEnsemble.from_factory(make, range(members))


def test_observed_rate_equals_the_prediction_for_riskscopes_loss_convention():
    """f linear in θ: r ← (I − (2η/n)Θ) r exactly, so ‖r_k‖ decays like 1 − 2ηλ_min/n."""
    gen = torch.Generator().manual_seed(0)
    n, d = 6, 10
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = torch.randn(n, 2, generator=gen, dtype=torch.float64)
    ensemble = _linear_models(d)
    spectrum = kernel_spectrum(empirical_ntk(ensemble.member(0), x))
    lr = 0.8 * n / spectrum.lambda_max  # stable: (2η/n) λ_max = 1.6 < 2
    record = run_gradient_descent(ensemble, x, y, "squared_error",
                                  torch.full((2,), lr, dtype=torch.float64), 150)
    residual = np.sqrt(n * record.losses[:, 0])
    observed = observed_residual_rate(residual, floor=1e-9)
    predicted = predicted_residual_rate(spectrum.lambda_min, lr, n)
    assert observed.rate == pytest.approx(predicted, abs=1e-6)
    assert observed.r2 > 0.999999
    mu = pl_ratios(record.losses[:, 0], record.grad_norm_sq[:, 0])
    finite = mu[np.isfinite(mu)]
    assert np.all(finite >= 2 * spectrum.lambda_min / n * (1 - 1e-9))
    assert np.all(finite <= 2 * spectrum.lambda_max / n * (1 + 1e-9))


def test_du_bound_translates_their_convention():
    # Du et al.: ‖r‖² shrinks by (1 − η_Du λ₀/2) with η_Du = 2η/n in riskscope's convention
    lam0, lr, n = 0.3, 2.0, 40
    assert du_residual_bound_rate(lam0, lr, n) ** 2 == pytest.approx(1 - (2 * lr / n) * lam0 / 2)
    assert predicted_residual_rate(lam0, lr, n) == pytest.approx(1 - 2 * lr * lam0 / n)


def test_rate_fit_window_and_degenerate_series():
    k = np.arange(200)
    series = np.exp(-0.05 * k) + np.exp(-0.5 * k)  # a fast mode dies out first
    fit = observed_residual_rate(series, floor=1e-12)
    assert fit.rate == pytest.approx(math.exp(-0.05), rel=1e-9)
    assert fit.window[0] >= 99
    flat = observed_residual_rate(np.r_[1.0, np.zeros(10)])
    assert math.isnan(flat.rate)


def test_rate_ratio_is_undefined_where_no_contraction_is_predicted():
    assert rate_ratio(0.9, 0.95) == pytest.approx(0.1 / 0.05)
    # a singular NTK Gram matrix (fewer parameters than examples): λ_min = 0, predicted rate 1
    assert math.isnan(rate_ratio(0.99, predicted_residual_rate(0.0, 0.1, 10)))
    assert math.isnan(rate_ratio(0.99, 1.0 + 1e-12))  # λ_min slightly negative by rounding
