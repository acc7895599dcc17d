"""The conditional-mutual-information score of a complexity measure (Jiang et al. 2020,
Section 6; the scoring of the NeurIPS 2020 PGDL competition).

Over ordered pairs (i, j), i ≠ j, of models: V_μ = [μ_i > μ_j], V_g = [g_i > g_j] (g the
generalization gap). For a conditioning set S of hyperparameters, the cell of a pair is
(θ_i[S], θ_j[S]): the values of S for both models. With the 2×2×K table of counts,

    I(V_μ; V_g | U_S) = Σ_k p(k) I(V_μ; V_g | U_S = k),  H(V_g | U_S) = Σ_k p(k) H(V_g | k),

and the score is 100 · min over every pair S of hyperparameters of I/H (a set whose cells
determine the gap order, H = 0, scores 0). With fewer than two hyperparameters, S is all of
them. The minimum over conditioning sets discounts a measure that predicts the gap only
through a hyperparameter (e.g. a measure that just reads the learning rate). Unlike τ it is
invariant to the measure's sign: V_{−μ} = 1 − V_μ when there are no ties.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd


def _entropy(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.nansum(np.where(p > 0, p * np.log(p), 0.0), axis=-1)


def conditional_mutual_information(v_measure: np.ndarray, v_gap: np.ndarray,
                                   cells: np.ndarray) -> tuple[float, float]:
    """(I(V_μ; V_g | U), H(V_g | U)) in nats for binary arrays and integer cell labels."""
    _, cell = np.unique(cells, return_inverse=True)
    k = int(cell.max()) + 1
    counts = np.bincount(cell * 4 + v_measure.astype(int) * 2 + v_gap.astype(int),
                         minlength=4 * k).reshape(k, 2, 2).astype(float)
    totals = counts.sum((1, 2))
    p_cell = totals / totals.sum()
    joint = counts / totals[:, None, None]
    p_mu, p_g = joint.sum(2), joint.sum(1)
    mi = _entropy(p_mu) + _entropy(p_g) - _entropy(joint.reshape(k, 4))
    return float((p_cell * mi).sum()), float((p_cell * _entropy(p_g)).sum())


def cmi_score(frame: pd.DataFrame, measure: str, gap: str, hyperparameters: Sequence[str],
              set_size: int = 2) -> float:
    """100 · min_S I(V_μ; V_g | U_S) / H(V_g | U_S) over all S of `set_size` hyperparameters."""
    data = frame[[measure, gap, *hyperparameters]].dropna(subset=[measure, gap])
    n = len(data)
    if n < 2:
        return math.nan
    i, j = np.where(~np.eye(n, dtype=bool))
    mu, g = data[measure].to_numpy(float), data[gap].to_numpy(float)
    v_mu, v_g = mu[i] > mu[j], g[i] > g[j]
    size = min(set_size, len(hyperparameters))
    ratios = []
    for subset in itertools.combinations(hyperparameters, size):
        codes = (data.groupby(list(subset), sort=True, dropna=False).ngroup().to_numpy()
                 if subset else np.zeros(n, dtype=int))
        cells = codes[i] * (codes.max() + 1) + codes[j]
        mi, h = conditional_mutual_information(v_mu, v_g, cells)
        ratios.append(mi / h if h > 1e-12 else 0.0)
    return 100.0 * min(ratios)
