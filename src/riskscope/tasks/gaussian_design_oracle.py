"""Closed forms of the excess-risk decomposition on `gaussian-design` for the class of linear
functions of the first k inputs (model family `linear`): the analytic oracle the decomposition's
estimators are tested against (derivations: docs/decomposition.md, "The analytic oracle").

Notation: S = the first k inputs, Sᶜ the others; r(x) = y − β_S·x_S = β_Sᶜ·x_Sᶜ + g(x) + σε.
Because x_S ⟂ x_Sᶜ, E[g x] = 0 and E g = 0, the best member of the class is x ↦ β_S·x_S
(output bias 0, with or without a bias) and

    R* = σ²,   R(f_F) = σ_r² := σ² + a² + ‖β_Sᶜ‖²,   approximation error = a² + ‖β_Sᶜ‖².

On one training set (X [n, d], y [n]) with Z = X_S (plus a column of ones with a bias), the
training objective of riskscope's trainer with weight decay λ is

    J(θ) = (1/n) ‖y − Z θ‖² + (λ/2) ‖θ‖²   (mean squared error, no ½; every parameter decayed)

so ∇J = A θ − c with A = (2/n) ZᵀZ + λ I, c = (2/n) Zᵀy; its minimizer θ* solves A θ = c
(minimum-norm when A is singular), and full-batch gradient descent θ_{t+1} = θ_t − η ∇J(θ_t)
from θ_0 has the closed form θ_t − θ* = (I − η A)^t (θ_0 − θ*) on range(A) (θ_0's component
in ker A never moves). Every per-sample quantity below is exact given (X, y, θ).

Expectations over training sets (no bias, λ = 0, n > k + 1) need r independent of x_S: true
when g is not among the used inputs (k < d, since g lives on x_d) or a = 0. Then, with the
Wishart identity E (X_SᵀX_S)⁻¹ = I/(n − k − 1) and E ‖(I − H) r‖² = (n − k) σ_r²:

    E excess risk − approximation = σ_r² k/(n − k − 1)      (estimation error of OLS)
    E R̂_S(OLS) = σ_r² (n − k)/n,   E gap = σ_r² (k/n + k/(n − k − 1)),
    E remainder = E min R̂_S − R(f_F) = −σ_r² k/n,   optimization error 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from riskscope.core.errors import SpecError
from riskscope.tasks.base import Dataset
from riskscope.tasks.gaussian_design import GaussianDesign

__all__ = ["LinearClassOracle", "expected_least_squares", "gradient_descent_closed_form",
           "linear_class_oracle", "per_sample_components", "ridge_minimizer",
           "training_objective"]


@dataclass(frozen=True)
class LinearClassOracle:
    """Population quantities of the class "linear in the first k inputs" on a task."""

    features: int
    bayes_risk: float
    best_in_class_risk: float          # σ_r²
    approximation_error: float         # a² + ‖β_Sᶜ‖²
    residual_independent: bool         # r independent of x_S (expectations are exact)


def linear_class_oracle(task: GaussianDesign, features: int) -> LinearClassOracle:
    if not 1 <= features <= task.input_dim:
        raise SpecError("features", features, f"an integer in [1, {task.input_dim}]")
    omitted = float(task.beta[features:].pow(2).sum())
    approx = omitted + task.nonlinear_variance
    independent = features < task.input_dim or task.nonlinear_variance == 0.0
    return LinearClassOracle(features, task.noise_variance, task.noise_variance + approx,
                             approx, independent)


def _design(x: torch.Tensor, features: int, bias: bool) -> torch.Tensor:
    z = x[:, :features].double()
    return torch.cat([z, torch.ones(len(z), 1, dtype=torch.float64)], 1) if bias else z


def training_objective(train: Dataset, theta: torch.Tensor, features: int, bias: bool,
                       weight_decay: float = 0.0) -> float:
    """J(θ) on the training set; θ = (w_1..w_k[, b]) in float64."""
    z = _design(train.x, features, bias)
    resid = train.y.double().reshape(-1) - z @ theta.double()
    return float(resid.pow(2).mean() + 0.5 * weight_decay * theta.double().pow(2).sum())


def _system(train: Dataset, features: int, bias: bool, weight_decay: float):
    z = _design(train.x, features, bias)
    n = len(z)
    a = 2.0 / n * z.T @ z + weight_decay * torch.eye(z.shape[1], dtype=torch.float64)
    c = 2.0 / n * z.T @ train.y.double().reshape(-1)
    return a, c


def ridge_minimizer(train: Dataset, features: int, bias: bool, weight_decay: float = 0.0
                    ) -> torch.Tensor:
    """θ* = argmin J (minimum-norm when J has several minimizers), by eigendecomposition of A."""
    a, c = _system(train, features, bias, weight_decay)
    evals, q = torch.linalg.eigh(a)
    keep = evals > evals.max() * 1e-12
    coords = q.T @ c
    return q[:, keep] @ (coords[keep] / evals[keep])


def gradient_descent_closed_form(train: Dataset, features: int, bias: bool, steps: int,
                                 lr: float, weight_decay: float = 0.0,
                                 start: torch.Tensor | None = None) -> torch.Tensor:
    """θ_t after `steps` full-batch GD steps of size `lr` on J from `start` (default 0)."""
    a, c = _system(train, features, bias, weight_decay)
    evals, q = torch.linalg.eigh(a)
    theta0 = torch.zeros(len(c), dtype=torch.float64) if start is None else start.double()
    keep = evals > evals.max() * 1e-12
    z0, zc = q.T @ theta0, q.T @ c
    zstar = torch.where(keep, zc / torch.where(keep, evals, 1.0), z0)
    contraction = torch.where(keep, (1.0 - lr * evals) ** steps, 1.0)
    return q @ (zstar + contraction * (z0 - zstar))


def per_sample_components(task: GaussianDesign, train: Dataset, theta: torch.Tensor,
                          features: int, bias: bool, weight_decay: float = 0.0) -> dict:
    """Exact components for the trained θ on this training set, with the decomposition's
    conventions (optimization error on the objective J; remainder = R̂_S(f̂) − optimization
    error − R(f_F), which is min R̂_S − R(f_F) when λ = 0)."""
    oracle = linear_class_oracle(task, features)
    theta = theta.double().reshape(-1)
    w, b = (theta[:-1], float(theta[-1])) if bias else (theta, 0.0)
    risk = task.linear_predictor_risk(w, b).value
    z = _design(train.x, features, bias)
    train_risk = float((train.y.double().reshape(-1) - z @ theta).pow(2).mean())
    best = ridge_minimizer(train, features, bias, weight_decay)
    optimization = (training_objective(train, theta, features, bias, weight_decay)
                    - training_objective(train, best, features, bias, weight_decay))
    return {"population_risk": risk, "train_risk": train_risk,
            "excess_risk": risk - oracle.bayes_risk,
            "approximation_error": oracle.approximation_error,
            "optimization_error": optimization,
            "generalization_gap": risk - train_risk,
            "remainder": train_risk - optimization - oracle.best_in_class_risk}


def expected_least_squares(task: GaussianDesign, features: int, n: int) -> dict:
    """Expectations over training sets of ordinary least squares (no bias, λ = 0)."""
    oracle = linear_class_oracle(task, features)
    k = features
    if n <= k + 1:
        raise SpecError("n", n, f"more than k + 1 = {k + 1} samples (E (XᵀX)⁻¹ is finite)")
    if not oracle.residual_independent:
        raise SpecError("features", k, f"fewer than input_dim = {task.input_dim} while "
                        "nonlinear_scale > 0 (the residual must be independent of the used "
                        "inputs for the closed form)")
    s2 = oracle.best_in_class_risk
    estimation = s2 * k / (n - k - 1)
    return {"excess_risk": oracle.approximation_error + estimation,
            "approximation_error": oracle.approximation_error,
            "estimation_error": estimation,
            "optimization_error": 0.0,
            "train_risk": s2 * (n - k) / n,
            "generalization_gap": s2 * (k / n + k / (n - k - 1)),
            "remainder": -s2 * k / n}
