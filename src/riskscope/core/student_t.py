"""Student's t distribution: CDF and quantile in pure Python (no scipy import).

Every confidence interval riskscope prints uses a t critical value. `scipy.special.stdtrit`
computes it, but importing `scipy.special` costs 0.08–0.19 s per process on this project's
machines (it pulls scipy's array-API layer), which is most of what `riskscope show` and a
smoke run spend outside their work (docs/decisions.md). The t quantile needs only the
regularized incomplete beta function, so it is computed here and checked against scipy to
1e-12 relative in tests/core/test_student_t.py.

Definitions (ν > 0 degrees of freedom, x = ν/(ν + t²)):
    F_ν(t) = 1 − ½ I_x(ν/2, ½)   for t ≥ 0,   F_ν(−t) = 1 − F_ν(t)
    f_ν(t) = Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) · (1 + t²/ν)^(−(ν+1)/2)
I_x(a, b) is evaluated by its continued fraction (modified Lentz; Press et al., Numerical
Recipes §6.4), on the side of x where it converges fast. The quantile solves F_ν(t) = p by
Newton steps from a Cornish–Fisher start (Hill 1970), kept inside a bracket by bisection,
until a step is below 1e-12 relative (quadratic convergence: what remains is rounding);
ν = 1 and ν = 2 have closed forms; for ν ≥ 1e5 the four-term expansion itself is exact to
rounding (the continued fraction converges slowly there). The CDF is accurate to ~1e-12
relative for ν ≤ 1e5.
"""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = ["student_t_cdf", "student_t_quantile"]

_EPS = 1e-16
_TINY = 1e-300
_LARGE_DF = 1e5


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (without its prefactor), modified Lentz."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                          -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            return h
    return h  # pragma: no cover - converges in far fewer terms for the t distribution


def _log_inverse_beta(a: float, b: float) -> float:
    """ln Γ(a+b) − ln Γ(a) − ln Γ(b). With b = ½ and a large, lgamma's absolute rounding
    (≈ 1e-16 ln Γ(a)) would swamp the difference, so the asymptotic series
    ln Γ(a+½)/Γ(a) = ½ ln a − 1/(8a) + 1/(192a³) − 1/(640a⁵) + O(a⁻⁷) is used there."""
    if b == 0.5 and a >= 100.0:
        return (0.5 * math.log(a) - 1.0 / (8 * a) + 1.0 / (192 * a ** 3)
                - 1.0 / (640 * a ** 5) - math.lgamma(0.5))
    return math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)


def _regularized_beta(a: float, b: float, x: float, y: float) -> float:
    """I_x(a, b) for a, b > 0, 0 ≤ x ≤ 1, given y = 1 − x computed without cancellation
    (near x = 1, as for large ν or small t, 1 − x in floating point loses every digit)."""
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_x = math.log1p(-y) if y < 0.5 else math.log(x)
    log_y = math.log1p(-x) if x < 0.5 else math.log(y)
    log_front = _log_inverse_beta(a, b) + a * log_x + b * log_y
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, y) / b


def _upper_tail(t: float, df: float) -> float:
    """P(T > t) for t ≥ 0, without the cancellation of 1 − F near the tail."""
    return 0.5 * _regularized_beta(df / 2.0, 0.5, df / (df + t * t), t * t / (df + t * t))


def student_t_cdf(t: float, df: float) -> float:
    """F_ν(t) = P(T_ν ≤ t)."""
    _check_df(df)
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = _upper_tail(abs(t), df)
    return 1.0 - tail if t >= 0 else tail


def _log_density(t: float, df: float) -> float:
    return (_log_inverse_beta(df / 2.0, 0.5) + math.lgamma(0.5)
            - 0.5 * math.log(df * math.pi) - (df + 1.0) / 2.0 * math.log1p(t * t / df))


def student_t_quantile(p: float, df: float) -> float:
    """t with F_ν(t) = p, for 0 < p < 1 and ν > 0 (ν may be fractional, e.g. Welch's)."""
    _check_df(df)
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1); got {p}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -student_t_quantile(1.0 - p, df)
    q = 1.0 - p  # upper tail probability, solved on the tail for accuracy
    if df == 1.0:  # Cauchy: tan(π(p − ½)) = cot(πq), written with q to keep its digits
        return 1.0 / math.tan(math.pi * q)
    if df == 2.0:
        return (1.0 - 2.0 * q) / math.sqrt(2.0 * q * (1.0 - q))
    z = NormalDist().inv_cdf(p)
    if df >= _LARGE_DF:  # the expansion's error, O(ν⁻⁵), is below rounding here
        return _cornish_fisher(z, df)
    t = _cornish_fisher(z, df)
    low, high = 0.0, math.inf
    for _ in range(200):
        if not math.isfinite(t) or t <= low or t >= high:  # keep inside the bracket
            t = 2.0 * low + 1.0 if math.isinf(high) else 0.5 * (low + high)
        excess = _upper_tail(t, df) - q  # > 0: t is too small
        if excess > 0:
            low = t
        else:
            high = t
        step = excess / math.exp(_log_density(t, df))
        new = t + step
        # Newton's error after a step s is O(s²): a step below 1e-12·t leaves only the
        # rounding noise of the tail (~1e-13 relative), which further steps cannot remove
        if abs(step) <= 1e-12 * abs(new):
            return new
        t = new
    return t  # pragma: no cover - Newton within the bracket converges in a few steps


def _cornish_fisher(z: float, df: float) -> float:
    """The t quantile from the normal one, z + g₁/ν + … + g₄/ν⁴ (Hill 1970)."""
    if math.isinf(df):
        return z
    g1 = (z ** 3 + z) / 4
    g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96
    g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384
    g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160
    return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4


def _check_df(df: float) -> None:
    if not df > 0:
        raise ValueError(f"degrees of freedom must be positive; got {df}")
