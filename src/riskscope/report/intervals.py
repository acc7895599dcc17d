"""Intervals of a result's mean over seeds, honest about what they know.

For one combination of the swept parameters (its finished trials, one per seed):

1. **Shared quantity** — every trial holds the same value and the same stored interval
   (`<name>_ci_low`, `<name>_ci_high`), as the decomposition's approximation error does (it
   comes from one best-in-class estimate shared by all seeds of a width): the interval is the
   stored Monte-Carlo one (`ci_method` "stored (shared by all seeds)"), not the zero-width
   interval a spread over seeds would give. A single trial with a stored interval likewise
   keeps its own interval ("stored (one trial)").
2. Otherwise the **Student-t interval** of the mean over seeds, **intersected with the declared
   range** of the result (`DeclaredResult.low/high`). The true mean lies in the declared range
   with certainty, so the intersection covers it exactly as often as the t-interval does (its
   coverage is unchanged) while never showing impossible values (an error below 0, an accuracy
   above 1). `ci_clipped` says the t-interval was cut. When the cut interval spans the whole
   declared range it says nothing: `ci_informative` is False and tables print the mean with
   "(interval not informative)".

Keys added to each `run_summary` result (JSON, see docs/cli.md): `ci_method`, `ci_clipped`,
`ci_informative`; `mean`, `std`, `ci_low`, `ci_high`, `n` keep their meaning.
"""

from __future__ import annotations

import math

import numpy as np

from riskscope.core.declared_results import DeclaredResult
from riskscope.core.estimate import t_quantile

T_METHOD = "student-t over seeds"
SHARED_METHOD = "stored (shared by all seeds)"
SINGLE_METHOD = "stored (one trial)"


def _stored(lows: np.ndarray | None, highs: np.ndarray | None, keep: np.ndarray):
    if lows is None or highs is None:
        return None
    lo, hi = lows[keep], highs[keep]
    if lo.size == 0 or not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        return None
    if np.ptp(lo) > 1e-12 * max(1.0, abs(lo[0])) or np.ptp(hi) > 1e-12 * max(1.0, abs(hi[0])):
        return None
    return float(lo[0]), float(hi[0])


def mean_interval(values: np.ndarray, declared: DeclaredResult | None = None,
                  stored_low: np.ndarray | None = None, stored_high: np.ndarray | None = None,
                  confidence: float = 0.95) -> dict:
    """{mean, std, ci_low, ci_high, n, ci_method, ci_clipped, ci_informative} of `values`
    (non-finite ones left out) under the rules of this module."""
    values = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(values)
    v = values[keep]
    n = int(v.size)
    out = {"mean": None, "std": None, "ci_low": None, "ci_high": None, "n": n,
           "ci_method": None, "ci_clipped": False, "ci_informative": False}
    if n == 0:
        return out
    mean = float(v.mean())
    out["mean"] = mean
    std = float(v.std(ddof=1)) if n > 1 else None
    out["std"] = std
    shared = _stored(stored_low, stored_high, keep)
    same = n == 1 or float(np.ptp(v)) <= 1e-12 * max(1.0, abs(mean))
    if shared is not None and same:
        out.update(ci_low=shared[0], ci_high=shared[1], ci_informative=True,
                   ci_method=SINGLE_METHOD if n == 1 else SHARED_METHOD)
        return out
    if n == 1:
        return out
    half = t_quantile(confidence, n - 1) * std / math.sqrt(n)
    low, high = mean - half, mean + half
    out["ci_method"] = T_METHOD
    if declared is not None:
        clipped_low, clipped_high = declared.clip(low), declared.clip(high)
        out["ci_clipped"] = (clipped_low, clipped_high) != (low, high)
        low, high = clipped_low, clipped_high
        whole = (declared.low is not None and declared.high is not None
                 and low <= declared.low and high >= declared.high)
        out["ci_informative"] = not whole
    else:
        out["ci_informative"] = True
    out["ci_low"], out["ci_high"] = low, high
    return out


__all__ = ["SHARED_METHOD", "SINGLE_METHOD", "T_METHOD", "mean_interval"]
