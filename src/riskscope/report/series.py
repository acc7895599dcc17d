"""Stored metric series as step × trial tables, and the mean-with-range band every training
curve in a report uses.

A series table has one row per logged step (> 0: the step axis is logarithmic, so step 0, the
initialization, is not drawn) and one column per trial; values that are not finite (a member
after it diverged) are NaN and left out of the mean and the band step by step. The band is the
range over seeds (lowest to highest), which stays readable with two seeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def series_table(metrics: pd.DataFrame, name: str, hashes) -> pd.DataFrame:
    """step × trial_hash values of the metric `name` (steps > 0), non-finite values as NaN."""
    part = metrics[(metrics["name"] == name) & metrics["trial_hash"].isin(list(hashes))
                   & (metrics["step"] > 0)]
    if part.empty:
        return pd.DataFrame()
    wide = part.pivot_table(index="step", columns="trial_hash", values="value", aggfunc="last")
    return wide.where(np.isfinite(wide)).dropna(how="all")


def draw_band(ax, wide: pd.DataFrame, c, style: str = "-", name: str | None = None,
              alpha: float = 0.18) -> None:
    """The mean over the table's trials against the step, and the range band (≥ 2 trials)."""
    wide = wide.dropna(how="all")
    if wide.empty:
        return
    steps = wide.index.to_numpy(np.float64)
    ax.plot(steps, wide.mean(axis=1), style, color=c, label=name)
    if wide.shape[1] > 1:
        ax.fill_between(steps, wide.min(axis=1), wide.max(axis=1), color=c, alpha=alpha,
                        linewidth=0)


def finite_values(tables) -> np.ndarray:
    """Every finite value of the given tables, flattened."""
    values = [t.to_numpy(np.float64).ravel() for t in tables if not t.empty]
    flat = np.concatenate(values) if values else np.array([])
    return flat[np.isfinite(flat)]
