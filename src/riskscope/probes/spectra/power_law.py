"""Continuous power-law tail fit with x_min chosen by the Kolmogorov–Smirnov method.

Clauset, Shalizi & Newman (2009, SIAM Review, "Power-law distributions in empirical data"):
for a tail x ≥ x_min with density p(x) ∝ x^−α, the maximum-likelihood exponent of the n_tail
points at or above x_min is

    α̂ = 1 + n_tail / Σ_{x_i ≥ x_min} ln(x_i / x_min),    standard error (α̂ − 1)/√n_tail,

and x_min is the candidate (each distinct data value, leaving at least `min_tail` points in the
tail) whose fitted tail CDF P(x) = 1 − (x/x_min)^{1−α̂} is closest to the tail's empirical CDF
in Kolmogorov–Smirnov distance D = sup_x |S(x) − P(x)|. The supremum is taken on both sides of
each step of S (S jumps from j/n to (j+1)/n at the j-th point), the exact sup distance; the
`powerlaw` package compares P with S only after each jump, which can differ by 1/n_tail.

All candidates are evaluated at once (O(n²) memory in chunks), so a spectrum of a few thousand
eigenvalues fits in milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from riskscope.core.errors import SpecError

__all__ = ["PowerLawFit", "fit_power_law"]


@dataclass(frozen=True)
class PowerLawFit:
    """alpha: the density exponent (ρ(x) ∝ x^−alpha); alpha_stderr: (alpha − 1)/√n_tail;
    x_min: where the tail starts; ks_distance: D of the chosen fit; n_tail: points ≥ x_min;
    n: points fitted (positive and finite). NaN fields when there are too few points."""

    alpha: float
    alpha_stderr: float
    x_min: float
    ks_distance: float
    n_tail: int
    n: int

    def as_dict(self) -> dict:
        return asdict(self)


def _nan_fit(n: int) -> PowerLawFit:
    return PowerLawFit(math.nan, math.nan, math.nan, math.nan, 0, n)


def _candidates_ks(x: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """α̂ and D for the tails x[s:] of the sorted array x, for every start index s."""
    n = x.size
    logx = np.log(x)
    # Σ_{j ≥ s} ln x_j by a reversed cumulative sum: Σ ln(x_j/x_s) = tail_sum − n_t ln x_s
    tail_log = np.cumsum(logx[::-1])[::-1]
    n_tail = n - starts
    sum_log_ratio = tail_log[starts] - n_tail * logx[starts]
    with np.errstate(divide="ignore"):
        alpha = 1.0 + n_tail / sum_log_ratio
    ks = np.full(starts.size, np.inf)
    chunk = max(1, 4_000_000 // max(n, 1))
    for lo in range(0, starts.size, chunk):
        s = starts[lo:lo + chunk]
        a = alpha[lo:lo + chunk]
        j = np.arange(n)[None, :] - s[:, None]          # rank within the tail
        valid = j >= 0
        nt = (n - s)[:, None]
        ratio = logx[None, :] - logx[s][:, None]          # ln(x_j / x_min)
        cdf = -np.expm1((1.0 - a)[:, None] * np.where(valid, ratio, 0.0))
        above = np.where(valid, (j + 1) / nt - cdf, -np.inf)
        below = np.where(valid, cdf - j / nt, -np.inf)
        ks[lo:lo + chunk] = np.maximum(above.max(1), below.max(1))
    ks[~np.isfinite(alpha)] = np.inf
    return alpha, ks


def fit_power_law(values, *, x_min: float | None = None, min_tail: int = 5,
                  x_max: float | None = None) -> PowerLawFit:
    """Fit ρ(x) ∝ x^−α to the tail of positive `values` (CSN 2009; module docstring).

    values:   any array-like; non-positive and non-finite entries are dropped (eigenvalues of
              a rank-deficient layer are zero: they are not part of a tail).
    x_min:    a fixed tail start (no search); None searches every distinct value that leaves
              at least `min_tail` points in the tail.
    x_max:    drop values above it before fitting (None: keep all).

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = (1 - rng.random(4000)) ** (-1 / 1.5)    # Pareto tail, density exponent 2.5
    >>> fit = fit_power_law(x)
    >>> round(fit.alpha, 1), fit.n_tail > 1000
    (2.5, True)
    """
    if min_tail < 2:
        raise SpecError("min_tail", min_tail, "an integer >= 2")
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x) & (x > 0)]
    if x_max is not None:
        x = x[x <= x_max]
    x.sort()
    n = int(x.size)
    if x_min is not None:
        if not x_min > 0:
            raise SpecError("x_min", x_min, "a positive number or None (search by KS)")
        tail = x[x >= x_min]
        n_t = int(tail.size)
        if n_t < 2:
            return _nan_fit(n)
        ratio = np.log(tail / x_min)
        a = 1.0 + n_t / ratio.sum() if ratio.sum() > 0 else math.nan
        cdf = -np.expm1((1.0 - a) * ratio)
        j = np.arange(n_t)
        ks = float(max(((j + 1) / n_t - cdf).max(), (cdf - j / n_t).max()))
        return PowerLawFit(float(a), float((a - 1) / math.sqrt(n_t)), float(x_min), ks, n_t, n)
    if n < min_tail or n < 2:
        return _nan_fit(n)
    # the first index of each distinct value, keeping >= min_tail points above it
    first = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
    starts = first[n - first >= min_tail]
    if starts.size == 0:
        return _nan_fit(n)
    alpha, ks = _candidates_ks(x, starts)
    best = int(np.argmin(ks))
    if not np.isfinite(ks[best]):
        return _nan_fit(n)
    n_t = int(n - starts[best])
    a = float(alpha[best])
    return PowerLawFit(a, (a - 1) / math.sqrt(n_t), float(x[starts[best]]), float(ks[best]),
                       n_t, n)
