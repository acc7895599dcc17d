"""Kernel baselines on the same sparse target: the 2-layer ReLU NTK and random features.

- NTK regression: the infinite-width NTK Θ of a one-hidden-layer ReLU MLP
  (`riskscope.probes.kernels.analytic_ntk`, Jacot's NTK parameterization with σ_w = √2 and
  σ_b = `sigma_b`), predictor Θ(x, X)(Θ(X, X) + λI)⁻¹ Y (`analyses.kernels.kernel_regression`)
  — the lazy-training limit of the network (Jacot et al. 2018; Lee et al. 2019).
- Random features (Rahimi & Recht 2007): φ(x) = relu(W x/√d + b)/√p, W ~ N(0, 2), b ~ N(0, σ_b²)
  fixed, only the output layer fitted by ridge regression, i.e. kernel regression with the
  finite-p kernel Φ Φᵀ (whose p → ∞ limit is the NNGP kernel, not the NTK).
Both fit scalar targets; for ±1 labels use `zero_one_error` on the sign. A kernel with a fixed
feature map needs n ≳ d^p samples for a degree-p target (Ghorbani et al. 2019), while trained
networks adapt to the sparse support (Damian, Lee & Soltanolkotabi 2022).
"""

from __future__ import annotations

import math

import torch

from riskscope.analyses.kernels import kernel_regression
from riskscope.core.rng import as_torch_generator
from riskscope.probes.kernels import analytic_ntk


def ntk_regression(x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor,
                   ridge: float = 1e-6, sigma_b: float = 0.0) -> torch.Tensor:
    """Predictions [N_test] of ridge(less) regression with the 2-layer ReLU NTK (float64)."""
    kw = {"depth": 1, "activation": "relu", "sigma_w": math.sqrt(2.0), "sigma_b": sigma_b}
    k_train = analytic_ntk(x_train, None, **kw)
    k_test = analytic_ntk(x_test, x_train, **kw)
    scale = float(k_train.diagonal().mean())
    return kernel_regression(k_train, k_test, y_train.reshape(-1), ridge=ridge * scale)[:, 0]


def random_features(x: torch.Tensor, num_features: int, rng: int | torch.Generator,
                    sigma_b: float = 0.0) -> torch.Tensor:
    """φ(x) [N, p] with a fixed random first layer drawn from `rng` (module docstring)."""
    gen = as_torch_generator(rng)
    d = x.shape[1]
    w = torch.randn(d, num_features, generator=gen, dtype=torch.float64) * math.sqrt(2.0)
    b = torch.randn(num_features, generator=gen, dtype=torch.float64) * sigma_b
    return torch.relu(x.double().cpu() @ w / math.sqrt(d) + b) / math.sqrt(num_features)


def random_features_regression(x_train: torch.Tensor, y_train: torch.Tensor,
                               x_test: torch.Tensor, num_features: int,
                               rng: int | torch.Generator, ridge: float = 1e-6,
                               sigma_b: float = 0.0) -> torch.Tensor:
    """Predictions [N_test] of ridge regression on the same random features for train and
    test (drawn once from `rng`)."""
    phi = random_features(torch.cat([x_train, x_test]), num_features, rng, sigma_b)
    phi_train, phi_test = phi[: x_train.shape[0]], phi[x_train.shape[0]:]
    k_train = phi_train @ phi_train.T
    scale = float(k_train.diagonal().mean())
    return kernel_regression(k_train, phi_test @ phi_train.T, y_train.reshape(-1),
                             ridge=ridge * scale)[:, 0]


def squared_error(predictions: torch.Tensor, targets: torch.Tensor) -> float:
    return float((predictions.double().reshape(-1) - targets.double().reshape(-1).to(
        predictions.device)).pow(2).mean())


def zero_one_error(predictions: torch.Tensor, signs: torch.Tensor) -> float:
    """Fraction of sign disagreements between predictions and ±1 labels (0 counts as +1)."""
    pred = torch.where(predictions.reshape(-1) >= 0, 1.0, -1.0).double()
    return float((pred != signs.double().reshape(-1).to(pred.device)).double().mean())
