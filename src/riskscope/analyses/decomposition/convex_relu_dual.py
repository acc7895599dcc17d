"""The dual side of the convex ReLU program in 1-D: an exact dual-feasibility check and a bound.

For a vector ρ ∈ ℝⁿ (a candidate dual point, in practice the optimal residual y − f) let

    M(ρ) = max_{‖(w, b)‖₂ ≤ 1} | Σ_i ρ_i relu(w x_i + b) |.

Weak duality (Pilanci & Ergen 2020, "Neural Networks are Convex Regularizers", ICML, the dual
of their eq. (8); proved here directly for the non-convex objective P of convex_relu_network.py):
if M(ρ) ≤ β, and 1ᵀρ = 0 when the output bias is free, then for EVERY network θ of ANY width

    P(θ) ≥ d(ρ) = ρᵀy − ½ ‖ρ‖² − κ (1ᵀρ)² / (2β),

with κ = 1 for a penalized output bias and κ = 0 otherwise. Proof: rescaling each unit to
|a_j| = ‖g_j‖, g_j = (w_j, b_j), leaves f unchanged and does not increase the penalty (AM–GM:
(β/2)(a² + ‖g‖²) ≥ β |a| ‖g‖); ½‖e‖² ≥ ρᵀe − ½‖ρ‖² for e = y − f (Fenchel–Young); relu is
positively homogeneous, so Σ_j a_j ρᵀ relu(X̃ g_j) ≤ M(ρ) Σ_j |a_j| ‖g_j‖ ≤ β Σ_j |a_j| ‖g_j‖;
and −c 1ᵀρ is 0 (free bias, 1ᵀρ = 0), 0 (no bias) or ≥ −(β/2)c² − (1ᵀρ)²/(2β) (penalized).
So d(ρ) is a lower bound on min P — the certificate's lower side. It is independent of the
solver: M(ρ) is computed exactly, below.

Exact M(ρ) in 1-D: on the unit circle g(φ) = (cos φ, sin φ), F(φ) = ρᵀ relu(X̃ g(φ)) is linear
in g on each arc between the 2d breakpoints (the directions ±(1, −u)/√(1 + u²) orthogonal to
some x̃ = (u, 1)): F = h_Dᵀ g with h_D = Σ_{i ∈ D} ρ_i x̃_i for the arc's pattern D. A linear
function on an arc peaks at an endpoint or at ±h_D/‖h_D‖. Evaluating the true F (with relu) at
all breakpoints and all ±h_D/‖h_D‖ therefore attains max |F| exactly (points outside their arc
only give values ≤ the maximum). Exact up to float64 rounding.
"""

from __future__ import annotations

import numpy as np


def max_relu_correlation_1d(x: np.ndarray, rho: np.ndarray) -> float:
    """M(ρ) = max over ‖(w, b)‖₂ ≤ 1 of |Σ_i ρ_i relu(w x_i + b)|, exactly (see module doc).

    x, rho: float64 arrays [n] (validated by the caller).
    """
    values = np.unique(x)
    norm = np.sqrt(1.0 + values**2)
    half = np.stack([1.0 / norm, -values / norm], axis=1)      # ⟂ (u, 1), w > 0
    breaks = np.concatenate([half, -half], axis=0)              # [2d, 2]
    angles = np.sort(np.arctan2(breaks[:, 1], breaks[:, 0]))
    mids = (angles + np.roll(angles, -1)) / 2.0
    mids[-1] += np.pi                                           # the arc that wraps around
    mid_dirs = np.stack([np.cos(mids), np.sin(mids)], axis=1)
    xt = np.stack([x, np.ones_like(x)], axis=1)                 # [n, 2]
    arc_patterns = (mid_dirs @ xt.T) > 0.0                      # [2d, n]
    h = (arc_patterns * rho[None, :]) @ xt                      # [2d, 2]
    h_norm = np.linalg.norm(h, axis=1)
    peaks = h[h_norm > 0] / h_norm[h_norm > 0, None]
    candidates = np.concatenate([breaks, peaks, -peaks], axis=0)
    f = np.maximum(candidates @ xt.T, 0.0) @ rho
    return float(np.max(np.abs(f), initial=0.0))


def dual_lower_bound(x: np.ndarray, y: np.ndarray, beta: float, rho: np.ndarray,
                     output_bias: str) -> float:
    """max over t ∈ [0, β / M(ρ)] of d(t ρ) (ρ first centred when the output bias is free).

    Every t ρ in that range is dual feasible, so the result is a valid lower bound on min P
    (module docstring); the 1-D search along the ray is exact: d(tρ) = t r − ½ t² q.
    """
    rho = rho - rho.mean() if output_bias == "free" else rho.copy()
    q = rho @ rho + ((rho.sum() ** 2) / beta if output_bias == "penalized" else 0.0)
    if q <= 0.0:
        return 0.0
    r = rho @ y
    m = max_relu_correlation_1d(x, rho)
    t_max = beta / m if m > 0 else np.inf
    t = min(max(r / q, 0.0), t_max)
    return float(t * r - 0.5 * t * t * q)
