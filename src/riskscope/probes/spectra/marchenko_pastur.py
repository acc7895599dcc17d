"""The Marchenko–Pastur law: the spectrum of a random matrix with i.i.d. entries.

For W of shape N × M (N ≥ M, aspect ratio Q = N/M ≥ 1) with i.i.d. entries of mean 0 and
variance σ², the eigenvalues of X = WᵀW / N follow, as N, M → ∞ at fixed Q, the density

    ρ(λ) = Q / (2π σ² λ) · √((λ₊ − λ)(λ − λ₋)),   λ± = σ² (1 ± 1/√Q)²,

(Marchenko & Pastur 1967; the form used by Martin & Mahoney 2021, JMLR, eq. 9). The largest
eigenvalue of a finite matrix sits at λ₊ up to Tracy–Widom fluctuations of order N^(−2/3).
Martin & Mahoney compare a layer with the random matrix of its own shape and entry variance
(its entries shuffled): eigenvalues of the layer above that matrix's bulk edge λ₊ are
"spikes", structure the random matrix does not have.
"""

from __future__ import annotations

import math

import numpy as np

from riskscope.core.errors import SpecError

__all__ = ["marchenko_pastur_density", "marchenko_pastur_edges"]


def marchenko_pastur_edges(sigma2: float, n: int, m: int) -> tuple[float, float]:
    """(λ₋, λ₊) of WᵀW/N for an N × M (or M × N) matrix of i.i.d. entries of variance sigma2.

    >>> marchenko_pastur_edges(1.0, 400, 100)     # Q = 4: σ²(1 ∓ 1/2)²
    (0.25, 2.25)
    """
    if not sigma2 >= 0:
        raise SpecError("sigma2", sigma2, "a variance >= 0")
    if n < 1 or m < 1:
        raise SpecError("shape", (n, m), "two positive sizes")
    big, small = max(n, m), min(n, m)
    r = math.sqrt(small / big)
    return sigma2 * (1 - r) ** 2, sigma2 * (1 + r) ** 2


def marchenko_pastur_density(x, sigma2: float, n: int, m: int) -> np.ndarray:
    """The MP density at `x` (0 outside the bulk; the atom at 0 of rank-deficient shapes is
    not part of this M × M law, since X = WᵀW/N is formed on the smaller side)."""
    lo, hi = marchenko_pastur_edges(sigma2, n, m)
    q = max(n, m) / min(n, m)
    x = np.asarray(x, dtype=np.float64)
    inside = (x > lo) & (x < hi)
    out = np.zeros_like(x)
    xi = x[inside]
    out[inside] = q / (2 * math.pi * sigma2 * xi) * np.sqrt((hi - xi) * (xi - lo))
    return out
