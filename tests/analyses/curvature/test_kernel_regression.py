"""NTK kernel regression: the linearized network trained to convergence."""

import pytest
import torch
from torch import nn

from riskscope.analyses.kernels import (
    kernel_regression,
    linearized_network_predictions,
    squared_error_risk,
)
from riskscope.models import FunctionalEnsemble
from riskscope.probes.kernels import empirical_ntk, kernel_spectrum
from riskscope.procedures import run_gradient_descent

pytestmark = pytest.mark.usefixtures("single_thread")


def test_gradient_descent_on_a_linear_model_converges_to_the_ntk_prediction():
    gen = torch.Generator().manual_seed(0)
    n, d = 5, 8
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = torch.randn(n, 1, generator=gen, dtype=torch.float64)
    x_test = torch.randn(7, d, generator=gen, dtype=torch.float64)

    def make(g):
        layer = nn.Linear(d, 1).double()
        with torch.no_grad():
            layer.weight.copy_(torch.randn(1, d, generator=g, dtype=torch.float64))
        return layer

    ensemble = FunctionalEnsemble.from_factory(make, [3])
    predicted = linearized_network_predictions(ensemble.member(0), x, y, x_test)
    lr = 0.9 * n / kernel_spectrum(empirical_ntk(ensemble.member(0), x)).lambda_max
    run_gradient_descent(ensemble, x, y, "squared_error", torch.tensor([lr],
                         dtype=torch.float64), 300)
    with torch.no_grad():
        trained = ensemble.member(0)(x_test)
    assert torch.allclose(predicted, trained, atol=1e-8)
    assert squared_error_risk(predicted, trained) < 1e-12


def test_kernel_regression_interpolates_and_ridge_shrinks():
    gen = torch.Generator().manual_seed(1)
    a = torch.randn(6, 6, generator=gen, dtype=torch.float64)
    k = a @ a.T + torch.eye(6, dtype=torch.float64)
    y = torch.randn(6, generator=gen, dtype=torch.float64)
    assert torch.allclose(kernel_regression(k, k, y)[:, 0], y, atol=1e-10)
    ridged = kernel_regression(k, k, y, ridge=100.0)[:, 0]
    assert float(ridged.norm()) < float(y.norm())
    singular = torch.ones(3, 3, dtype=torch.float64)
    assert kernel_regression(singular, singular, torch.ones(3))[:, 0] == pytest.approx(
        [1.0, 1.0, 1.0])
