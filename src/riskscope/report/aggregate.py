"""Means over seeds with confidence intervals, and splitting trials by parameter values.

The band drawn around a mean over seeds is the Student-t interval of the mean,
mean ± t_{0.975, m−1} · s / √m over the m finite values (none with a single value); training
curves use the range (min to max) over seeds instead, see `fig_curves`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from riskscope.core.estimate import t_quantile


def mean_ci(values, confidence: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, ci_low, ci_high, m) over the finite values; NaN bounds when m < 2."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    m = int(v.size)
    if m == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(v.mean())
    if m == 1:
        return mean, math.nan, math.nan, 1
    half = t_quantile(confidence, m - 1) * float(v.std(ddof=1)) / math.sqrt(m)
    return mean, mean - half, mean + half, m


def per_x(x, y, confidence: float = 0.95) -> pd.DataFrame:
    """Columns x, mean, ci_low, ci_high, n: one row per distinct x (sorted) with a finite y."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    rows = []
    for value in np.unique(x[np.isfinite(x)]):
        mean, low, high, m = mean_ci(y[x == value], confidence)
        if m:
            rows.append((value, mean, low, high, m))
    return pd.DataFrame(rows, columns=["x", "mean", "ci_low", "ci_high", "n"])


def split_by(frame: pd.DataFrame, columns: list[str]) -> list[tuple[dict, pd.DataFrame]]:
    """(the values of `columns`, the rows having them) for every combination, sorted."""
    if not columns:
        return [({}, frame)]
    out = []
    for key, part in frame.groupby(columns, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        out.append(({c: _plain(k) for c, k in zip(columns, key)}, part))
    return out


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value
