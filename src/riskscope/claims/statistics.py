"""Intervals behind a claim's verdict: the mean over trials and the difference of two means.

Conventions (docs/claims.md):
- mean over trials (seeds of one configuration): Student-t interval, mean ± t_{n−1} · s/√n;
- one trial: the interval the study stored with the result (`<name>_ci_low`/`_ci_high`, e.g. a
  Monte-Carlo interval) when there is one, else unbounded (nothing is known of its spread);
- difference of two means: Welch's interval, df by Welch–Satterthwaite; unbounded when a side
  has a single trial (its variance is unknown).
Intervals are clipped to the result's declared range where the run declares one (a clipped
interval still contains the truth whenever the unclipped one does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from riskscope.core.estimate import t_quantile


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval, the number of trials behind it and how it was made."""

    estimate: float
    low: float
    high: float
    n: int
    method: str

    def clipped(self, low: float | None, high: float | None) -> Interval:
        """The interval intersected with a declared range [low, high] (None: unbounded)."""
        lo, hi, est = self.low, self.high, self.estimate
        if low is not None:
            lo, hi, est = max(lo, low), max(hi, low), est if math.isnan(est) else max(est, low)
        if high is not None:
            lo, hi, est = min(lo, high), min(hi, high), est if math.isnan(est) else min(est, high)
        return Interval(est, lo, hi, self.n, self.method)


def mean_interval(values, confidence: float, stored: tuple[float, float] | None = None
                  ) -> Interval:
    """Mean of the values with a Student-t interval; a single value takes `stored` (its own
    interval) when given, else an unbounded interval."""
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, -math.inf, math.inf, 0, "no finite value")
    mean = float(x.mean())
    if n == 1:
        if stored is not None and all(math.isfinite(v) for v in stored):
            return Interval(mean, float(min(stored)), float(max(stored)), 1,
                            "one trial; the interval stored with the result")
        return Interval(mean, -math.inf, math.inf, 1,
                        "one trial: no interval over seeds (unbounded)")
    if not np.isfinite(x).all():
        return Interval(mean, -math.inf, math.inf, n, "a non-finite value: no interval")
    half = t_quantile(confidence, n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n,
                    f"mean over {n} trials, Student-t({n - 1}) {confidence:.0%} interval")


def point_interval(value: float, stored: tuple[float, float] | None = None) -> Interval:
    """One trial on its own: its stored interval when there is one, else the point itself."""
    value = float(value)
    if stored is not None and all(math.isfinite(v) for v in stored):
        return Interval(value, float(min(stored)), float(max(stored)), 1,
                        "this trial, with the interval stored with the result")
    return Interval(value, value, value, 1, "this trial's value (no interval)")


def difference_interval(a, b, confidence: float) -> Interval:
    """mean(a) − mean(b) with Welch's interval (unequal variances)."""
    xa = np.asarray(a, dtype=np.float64).ravel()
    xb = np.asarray(b, dtype=np.float64).ravel()
    xa, xb = xa[~np.isnan(xa)], xb[~np.isnan(xb)]
    na, nb = int(xa.size), int(xb.size)
    if na == 0 or nb == 0:
        return Interval(math.nan, -math.inf, math.inf, na + nb, "no finite value on a side")
    diff = float(xa.mean() - xb.mean())
    if na < 2 or nb < 2 or not (np.isfinite(xa).all() and np.isfinite(xb).all()):
        return Interval(diff, -math.inf, math.inf, na + nb,
                        "a side with one trial or a non-finite value: no interval (unbounded)")
    va, vb = float(xa.var(ddof=1)) / na, float(xb.var(ddof=1)) / nb
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Interval(diff, diff, diff, na + nb, f"difference of means ({na} and {nb} "
                        "trials), no spread")
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    half = t_quantile(confidence, max(df, 1.0)) * se
    return Interval(diff, diff - half, diff + half, na + nb,
                    f"difference of means ({na} and {nb} trials), Welch {confidence:.0%} "
                    f"interval (df {df:.1f})")


__all__ = ["Interval", "difference_interval", "mean_interval", "point_interval"]
