"""Ridge / min-norm regression on random features: the exact test risk of a fitted readout and
the deterministic-equivalent prediction of its expectation (model- and sample-wise double
descent).

Setting: x ~ N(0, I_d), y = βᵀx + ε with ε ~ N(0, σ²); features φ = relu(W x) (N of them);
readout a fitted on n samples by ridge, minimizing (1/n)‖y − Φa‖² + λ‖a‖²
(a = (ΦᵀΦ + nλI)⁻¹Φᵀy; λ = 0: the minimum-norm least-squares solution, Φ⁺y).

Exact risk of a given readout (no sampling): R(a) = aᵀΣa − 2aᵀb + ‖β‖² + σ², with Σ, b the
features' population moments in closed form (`relu_feature_moments`).

Prediction (the precise reference): the deterministic equivalent of ridge regression with
features of population covariance Σ (Hastie, Montanari, Rosset & Tibshirani 2019; Bach 2023
"High-dimensional analysis of double descent for linear regression with random projections"),
treating the part of y that no readout captures as noise: θ = Σ⁻¹b (best readout),
σ_eff² = E y² − bᵀθ (approximation error + σ²). With κ the solution of
    λ = κ (1 − tr(Σ(Σ + κI)⁻¹)/n),   df₂ = tr(Σ²(Σ + κI)⁻²),
    E R ≈ σ_eff² + [κ² θᵀΣ(Σ + κI)⁻²θ + σ_eff² df₂/n] / (1 − df₂/n).
It is exact as n, N → ∞ at fixed ratios for Gaussian features (and, by Gaussian equivalence,
for random features — Mei & Montanari 2019's asymptotics are this formula's limit); at finite
sizes it is a prediction, not a bound (e.g. for Gaussian features and λ = 0, n > N + 1 the
exact finite-n variance term is σ² N/(n − N − 1), the equivalent gives σ² N/(n − N)). For
λ = 0 it diverges at N = n: the interpolation threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


def fit_ridge(features: torch.Tensor, y: torch.Tensor, ridge: float) -> torch.Tensor:
    """Readout a [N] minimizing (1/n)‖y − Φa‖² + λ‖a‖² (λ = 0: minimum norm)."""
    n = features.shape[0]
    if ridge == 0:
        return torch.linalg.pinv(features) @ y
    gram = features @ features.T + n * ridge * torch.eye(n, dtype=features.dtype)
    return features.T @ torch.linalg.solve(gram, y)


def exact_test_risk(readout: torch.Tensor, sigma: torch.Tensor, b: torch.Tensor,
                    target_power: float, noise_var: float) -> float:
    """R(a) = aᵀΣa − 2aᵀb + E y*² + σ² (squared error, exact)."""
    return float(readout @ sigma @ readout - 2 * readout @ b + target_power + noise_var)


@dataclass(frozen=True)
class RiskPrediction:
    risk: float
    bias: float          # κ² θᵀΣ(Σ+κ)⁻²θ / (1 − df₂/n)
    variance: float      # σ_eff² df₂/n / (1 − df₂/n)
    irreducible: float   # σ_eff²
    kappa: float


def _effective_regularization(eig: torch.Tensor, n: int, ridge: float) -> float:
    """κ ≥ 0 with λ = κ(1 − Σ_i e_i/(e_i + κ)/n); bisection on a log scale."""
    if ridge == 0 and int((eig > eig.max() * 1e-12).sum()) <= n:
        return 0.0

    def excess(kappa: float) -> float:
        return kappa * (1 - float((eig / (eig + kappa)).sum()) / n) - ridge

    lo, hi = 1e-30, max(float(eig.sum()), ridge, 1.0) * 10
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if excess(mid) > 0:
            hi = mid
        else:
            lo = mid
    return math.sqrt(lo * hi)


def predicted_test_risk(sigma: torch.Tensor, b: torch.Tensor, target_power: float,
                        noise_var: float, n: int, ridge: float) -> RiskPrediction:
    """The deterministic-equivalent expected test risk (module docstring)."""
    eig, vec = torch.linalg.eigh(sigma.double())
    eig = eig.clamp_min(0)
    keep = eig > eig.max() * 1e-12
    b_rot = vec.T @ b.double()
    theta_rot = torch.where(keep, b_rot / torch.where(keep, eig, 1.0), 0.0)
    irreducible = target_power + noise_var - float(b_rot @ theta_rot)
    kappa = _effective_regularization(eig[keep], n, ridge)
    shrink = eig / (eig + kappa) if kappa > 0 else keep.double()
    df2 = float(shrink.pow(2).sum())
    if df2 >= n:
        return RiskPrediction(math.inf, math.inf, math.inf, irreducible, kappa)
    denom = 1 - df2 / n
    bias = float((kappa ** 2 * eig / (eig + kappa).pow(2) * theta_rot.pow(2)).sum()) / denom \
        if kappa > 0 else 0.0
    variance = irreducible * df2 / n / denom
    return RiskPrediction(irreducible + bias + variance, bias, variance, irreducible, kappa)
