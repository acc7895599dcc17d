"""Kernel regression with the NTK: the network's infinite-width / linearized predictions.

Gradient descent on the squared loss of a network linearized at its initialization θ₀,
f_lin(x; θ) = f(x; θ₀) + J(x)(θ − θ₀), run to convergence from θ₀, interpolates the training
data with (Jacot et al. 2018; Lee et al. 2019, eq. 9 with t → ∞)

    f_∞(x) = f₀(x) + Θ₀(x, X) Θ₀(X, X)⁻¹ (Y − f₀(X)),

Θ₀ the empirical NTK at θ₀ (full over outputs). This holds whatever the loss scale or step
(as long as GD converges), so it is the prediction of the "lazy" network. With the analytic
infinite-width kernel Θ^∞ and the initial function's mean (zero) in place of f₀, it is the mean
of the NTK-GP predictor, Θ^∞(x, X) Θ^∞(X, X)⁻¹ Y. Test risks are riskscope's squared error:
the mean over examples of the squared error summed over outputs.
"""

from __future__ import annotations

import torch

from riskscope.core.errors import SpecError
from riskscope.probes.kernels.empirical_ntk import empirical_ntk


def kernel_regression(k_train: torch.Tensor, k_test_train: torch.Tensor, targets: torch.Tensor,
                      ridge: float = 0.0) -> torch.Tensor:
    """K(x, X) (K(X, X) + ridge·I)⁻¹ targets, solved in float64 (Cholesky, else lstsq)."""
    k = k_train.double()
    if ridge < 0:
        raise SpecError("ridge", ridge, "a non-negative ridge")
    if ridge:
        k = k + ridge * torch.eye(k.shape[0], dtype=k.dtype, device=k.device)
    t = targets.double().reshape(k.shape[0], -1)
    chol, info = torch.linalg.cholesky_ex(k)
    positive_definite = int(info) == 0
    coef = torch.cholesky_solve(t, chol) if positive_definite else torch.linalg.lstsq(k, t).solution
    return k_test_train.double() @ coef


def squared_error_risk(predictions: torch.Tensor, targets: torch.Tensor) -> float:
    """Mean over examples of the squared error summed over outputs."""
    p = predictions.double().reshape(targets.shape[0], -1)
    t = targets.double().reshape(targets.shape[0], -1)
    return float((p - t).pow(2).sum(1).mean())


def linearized_network_predictions(model, x_train: torch.Tensor, y_train: torch.Tensor,
                                   x_test: torch.Tensor) -> torch.Tensor:
    """f_∞(x_test) of the network linearized at its current parameters (module docstring)."""
    params = next(model.parameters())
    x_train = x_train.to(device=params.device, dtype=params.dtype)
    x_test = x_test.to(device=params.device, dtype=params.dtype)
    k_train = empirical_ntk(model, x_train)
    k_test = empirical_ntk(model, x_test, x_train)
    with torch.no_grad():
        f_train = model(x_train).double()
        f_test = model(x_test).double()
    residual = y_train.to(f_train.device).double().reshape(f_train.shape) - f_train
    correction = kernel_regression(k_train, k_test, residual.reshape(-1))
    return f_test + correction.reshape(f_test.shape)
