"""Predicted vs observed linear convergence of gradient descent on the squared loss.

Convention (riskscope): L(θ) = (1/n) Σ_i ‖f(x_i) − y_i‖² = ‖r‖²/n, r ∈ R^{n·O} the residual,
no ½. Then ∇L = (2/n) Jᵀ r and one GD step θ ← θ − η ∇L changes the residual, to first order,
by r ← (I − (2η/n) Θ) r with Θ = J Jᵀ the empirical NTK Gram matrix [n·O, n·O]. Along its
slowest eigendirection the residual contracts per step by

    ρ = 1 − (2η/n) · λ_min(Θ)        (stable when (2η/n) λ_max(Θ) < 2),

and the loss by ρ². This is the predicted per-step rate (`predicted_residual_rate`).

Du, Zhai, Póczos & Singh (2019) write L_Du = ½ Σ_i (f(x_i) − y_i)² (a sum with ½), for which
r ← (I − ηΘ) r; they prove ‖r_k‖² ≤ (1 − ηλ₀/2)^k ‖r₀‖² with λ₀ = λ_min(H^∞) and
λ_min(Θ_t) ≥ λ₀/2 throughout training for wide two-layer ReLU nets. Their η corresponds to
2η/n here, so in riskscope's convention their guarantee reads ‖r_k‖² ≤ (1 − ηλ₀/n)^k ‖r₀‖²
(`du_residual_bound_rate` returns the per-step factor of ‖r‖: √(1 − ηλ₀/n)), with λ₀ of the
kernel of the parameters that are trained (Du et al.: the first layer, H^∞).

The λ_min rate is asymptotic: it shows only once the slowest mode dominates, which needs r₀
to have a component along the λ_min eigenvector (noisy labels excite every mode; noiseless
teacher labels can nearly miss it). `linearized_residual_norms` gives the whole residual curve
of the linearized model, whose fit over the observation window is the sharper prediction.

Observed rate: least squares of log ‖r_k‖ on k over the late part of the run (after the fast
modes have died out, above a noise floor): ρ_obs = exp(slope). The two are compared by the
ratio of their per-step decay fractions, (1 − ρ_obs)/(1 − ρ_pred) (1 = as predicted).
PL ratio: μ_k = ‖∇L_k‖² / (2 (L_k − L*)) with L* = 0 (interpolation); in the linear regime
μ_k = (2/n) rᵀΘr/‖r‖² ≥ (2/n) λ_min(Θ) (the Polyak–Łojasiewicz constant; Liu, Zhu & Belkin
2022), and GD with small η then has L_{k+1} ≤ (1 − ημ) L_k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from riskscope.core.errors import SpecError


def predicted_residual_rate(lambda_min: float, lr: float, n: int) -> float:
    """ρ = 1 − (2η/n) λ_min(Θ): the per-step contraction of ‖r‖ along the slowest mode."""
    return 1.0 - 2.0 * lr * lambda_min / n


def rate_ratio(observed_rate: float, predicted_rate: float) -> float:
    """(1 − observed)/(1 − predicted): 1 when ‖r‖ contracts as fast as predicted. NaN when no
    contraction is predicted (predicted ≥ 1: λ_min(Θ) = 0 up to rounding, as for a network with
    fewer parameters than examples, where GD drives the residual only to its projection)."""
    gap = 1.0 - predicted_rate
    return (1.0 - observed_rate) / gap if gap > 0 else math.nan


def du_residual_bound_rate(lambda_0: float, lr: float, n: int) -> float:
    """Du et al.'s guaranteed per-step factor of ‖r‖ in riskscope's convention:
    √(1 − η λ₀ / n) (their (1 − η_Du λ₀/2) on ‖r‖², with η_Du = 2η/n)."""
    return math.sqrt(max(1.0 - lr * lambda_0 / n, 0.0))


@dataclass(frozen=True)
class ObservedRate:
    """rate: exp(slope) of the fit of log ‖r_k‖ on k; window: the steps fitted; r2: the fit's
    coefficient of determination."""

    rate: float
    window: tuple[int, int]
    r2: float
    n_points: int


def observed_residual_rate(residual_norms, *, start_fraction: float = 0.5,
                           floor: float = 1e-6) -> ObservedRate:
    """Fit log ‖r_k‖ ≈ a + k log ρ over the late part of the run above the noise floor.

    K = the last step with ‖r_K‖ > floor · ‖r_0‖; the fit uses the steps in
    [start_fraction · K, K] (the fast modes have died out by then; below the floor rounding
    takes over).
    """
    r = np.asarray(residual_norms, dtype=np.float64)
    if r.ndim != 1 or r.size < 4:
        raise SpecError("residual_norms", r.shape, "a 1-d series of at least 4 steps")
    steps = np.arange(r.size)
    above = np.flatnonzero(np.isfinite(r) & (r > floor * r[0]))
    last = int(above[-1]) if above.size else 0
    ok = np.isfinite(r) & (r > floor * r[0]) & (steps >= start_fraction * last) & (steps <= last)
    if ok.sum() < 3:
        return ObservedRate(float("nan"), (0, 0), float("nan"), int(ok.sum()))
    k, logr = steps[ok], np.log(r[ok])
    slope, intercept = np.polyfit(k, logr, 1)
    fitted = intercept + slope * k
    ss_res = float(np.sum((logr - fitted) ** 2))
    ss_tot = float(np.sum((logr - logr.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    return ObservedRate(float(math.exp(slope)), (int(k[0]), int(k[-1])), r2, int(ok.sum()))


def linearized_residual_norms(kernel, initial_residual, lr: float, n: int, steps: int
                              ) -> np.ndarray:
    """‖r_k‖ for k = 0..steps of GD on the model linearized at init, r_k = (I − (2η/n)Θ)^k r₀
    (eigendecomposition of Θ; float64). Its fit over the observed window is the rate the
    linearized dynamics predict for that window: the slowest *excited* mode, which is the
    λ_min mode only if r₀ has a component along it."""
    theta = torch.as_tensor(kernel).double().cpu()
    r0 = torch.as_tensor(initial_residual).double().cpu().reshape(-1)
    lam, vecs = torch.linalg.eigh((theta + theta.T) / 2)
    coef = (vecs.T @ r0).numpy()
    factors = 1.0 - 2.0 * lr * lam.numpy() / n
    k = np.arange(steps + 1)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        return np.sqrt(np.sum((coef[None, :] * factors[None, :] ** k) ** 2, axis=1))


def rate_over_window(residual_norms, window: tuple[int, int]) -> float:
    """exp(slope) of log ‖r_k‖ on k over steps window[0]..window[1] (NaN if degenerate)."""
    start, end = window
    r = np.asarray(residual_norms, dtype=np.float64)[start:end + 1]
    if end - start < 2 or not np.all(np.isfinite(r) & (r > 0)):
        return float("nan")
    slope = np.polyfit(np.arange(start, end + 1), np.log(r), 1)[0]
    return float(math.exp(slope))


def pl_ratios(losses, grad_norm_sq, optimum: float = 0.0) -> np.ndarray:
    """μ_k = ‖∇L_k‖² / (2 (L_k − L*)) along a trajectory (NaN where L_k − L* ≤ 0)."""
    losses = np.asarray(losses, dtype=np.float64)
    gap = losses - optimum
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, np.asarray(grad_norm_sq, dtype=np.float64) / (2 * gap), np.nan)
