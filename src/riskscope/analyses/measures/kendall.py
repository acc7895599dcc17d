"""Rank-correlation scores of a complexity measure against the generalization gap over a model
zoo (Jiang et al. 2020, Section 5):

- Kendall's τ over all models: τ = (2/(N(N−1))) Σ_{i<j} sign(μ_i − μ_j) sign(g_i − g_j)
  (ties count 0, so this is τ-a; without ties it equals scipy's τ-b).
- granulated Kendall Ψ: for each hyperparameter axis k, ψ_k = the mean of τ over the groups of
  models that agree on every other hyperparameter (and replicate, e.g. seed) and differ only
  along k; Ψ = the mean of ψ_k over the axes. Groups of one model are skipped.
τ rewards a measure for tracking the gap however the zoo was varied; Ψ asks whether it tracks
the gap when one thing changes at a time. Both change sign with the measure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd


def kendall_tau(measure: Sequence[float], gap: Sequence[float]) -> float:
    """τ-a over the models where both values are finite (NaN with fewer than two).

    >>> kendall_tau([1, 2, 3, 4], [0.1, 0.3, 0.2, 0.4])      # 5 concordant pairs, 1 not
    0.6666666666666666
    """
    mu, g = np.asarray(measure, dtype=float), np.asarray(gap, dtype=float)
    keep = np.isfinite(mu) & np.isfinite(g)
    mu, g = mu[keep], g[keep]
    n = mu.size
    if n < 2:
        return math.nan
    upper = np.triu_indices(n, 1)
    s = np.sign(mu[:, None] - mu[None, :])[upper] * np.sign(g[:, None] - g[None, :])[upper]
    return float(s.mean())


def granulated_kendall(frame: pd.DataFrame, measure: str, gap: str,
                       hyperparameters: Sequence[str], replicates: Sequence[str] = ()
                       ) -> tuple[float, dict[str, float]]:
    """(Ψ, {axis: ψ_axis}); an axis without any group of two or more models is left out."""
    per_axis: dict[str, float] = {}
    for axis in hyperparameters:
        others = [c for c in (*hyperparameters, *replicates) if c != axis]
        groups = frame.groupby(others, dropna=False, sort=False) if others else [(None, frame)]
        taus = [kendall_tau(g[measure], g[gap]) for _, g in groups
                if g[axis].nunique() > 1]
        taus = [t for t in taus if math.isfinite(t)]
        if taus:
            per_axis[axis] = float(np.mean(taus))
    psi = float(np.mean(list(per_axis.values()))) if per_axis else math.nan
    return psi, per_axis
