"""The binary KL divergence and its exact upper inverse, the core of the kl (Seeger/Maurer)
PAC-Bayes bound and of the Monte-Carlo sampling bound.

    kl(q ‖ p) = q ln(q/p) + (1 − q) ln((1 − q)/(1 − p)),   with 0 ln 0 = 0,
    kl⁻¹(q, c) = sup { p ∈ [q, 1] : kl(q ‖ p) ≤ c }        (the *upper* inverse).

A certificate needs a number that is never below the true kl⁻¹. `kl_inverse_upper` bisects on
[q, 1] keeping kl(q‖lo) ≤ c < kl(q‖hi) until the bracket cannot be split in float64, and
returns the UPPER end `hi` — never the midpoint (returning the midpoint, as some public code
does, can land below the true inverse and certify too little). Since p ↦ kl(q‖p) is increasing
and convex on [q, 1], the bracket holds the root, and the result exceeds it by at most one ulp.
"""

from __future__ import annotations

import math

from riskscope.core.errors import SpecError


def binary_kl(q: float, p: float) -> float:
    """kl(q ‖ p) for q, p ∈ [0, 1] (inf when p ∈ {0, 1} and q ≠ p)."""
    total = 0.0
    for a, b in ((q, p), (1.0 - q, 1.0 - p)):
        if a > 0:
            if b <= 0:
                return math.inf
            total += a * math.log(a / b)
    return max(total, 0.0)


def _check(q: float, c: float) -> None:
    if not (isinstance(q, (int, float)) and 0.0 <= q <= 1.0):
        raise SpecError("q (empirical risk)", q, "a number in [0, 1]")
    if not (isinstance(c, (int, float)) and c >= 0 and not math.isnan(c)):
        raise SpecError("c (complexity)", c, "a number >= 0")


def kl_inverse_upper(q: float, c: float) -> float:
    """The largest p ∈ [q, 1] with kl(q ‖ p) ≤ c, rounded up (never below the true value)."""
    _check(q, c)
    q, c = float(q), float(c)
    if q >= 1.0 or math.isinf(c):
        return 1.0
    if c == 0.0:
        return q
    lo, hi = q, 1.0  # kl(q‖lo) = 0 ≤ c < kl(q‖1) = inf
    while True:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:  # no float64 strictly inside: hi is the answer's upper end
            return hi
        if binary_kl(q, mid) > c:
            hi = mid
        else:
            lo = mid
