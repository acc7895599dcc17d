"""Where a sweep crosses the interpolation threshold, read from stored results.

- nominal threshold: the x at which `parameters_per_threshold` (parameters / (n·C), stored by
  the double-descent study; N / n for random features) equals 1, interpolated linearly in
  log x and log ratio between the two grid points around it (Belkin et al. 2019; Nakkiran et
  al. 2019). None when the grid does not cross 1.
- empirical interpolation point: where the mean training risk over seeds reaches 0 (at most
  1e-6 × its largest value in the sweep): the interpolating grid point next to the first
  change between interpolating and not (the smallest interpolating width of a model-wise sweep,
  the largest interpolating n of a sample-wise one). None when all or none interpolate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from riskscope.report.aggregate import per_x

ZERO_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Thresholds:
    nominal: float | None
    empirical: float | None


def nominal_threshold(x, ratio) -> float | None:
    """x with ratio = 1 (ratio averaged per x), or None when the grid does not cross 1."""
    stats = per_x(x, ratio)
    stats = stats[stats["mean"] > 0]
    xs, rs = stats["x"].to_numpy(), stats["mean"].to_numpy()
    for i in range(len(xs)):
        if math.isclose(rs[i], 1.0, rel_tol=1e-9):
            return float(xs[i])
        if i and (rs[i - 1] - 1) * (rs[i] - 1) < 0:
            if xs[i - 1] <= 0:
                return float(xs[i])
            t = math.log(rs[i - 1]) / (math.log(rs[i - 1]) - math.log(rs[i]))
            return float(math.exp(math.log(xs[i - 1]) + t * (math.log(xs[i]) -
                                                             math.log(xs[i - 1]))))
    return None


def empirical_threshold(x, train) -> float | None:
    """The interpolating grid point at the first change of interpolation status (or None)."""
    stats = per_x(x, train)
    if stats.empty:
        return None
    means = stats["mean"].to_numpy()
    zero = means <= ZERO_TOLERANCE * max(float(np.abs(means).max()), 1e-300)
    for i in range(1, len(zero)):
        if zero[i] != zero[i - 1]:
            return float(stats["x"].iloc[i if zero[i] else i - 1])
    return None


def thresholds(x, ratio, train) -> Thresholds:
    return Thresholds(nominal_threshold(x, ratio), empirical_threshold(x, train))


def mark_thresholds(ax, found: Thresholds) -> None:
    """Vertical lines: nominal (black dashed) and empirical (grey dotted) thresholds."""
    if found.nominal is not None:
        ax.axvline(found.nominal, color="#000000", linestyle="--", linewidth=1.0,
                   label="parameters = n·C")
    if found.empirical is not None:
        ax.axvline(found.empirical, color="#777777", linestyle=":", linewidth=1.6,
                   label="interpolation begins (training risk 0)")


def describe(found: Thresholds, name: str) -> str:
    """'parameters = n·C at width ≈ 98; interpolation (training risk 0) begins at width = 16'
    (for a sample-wise sweep "begins" is read from the interpolating side: the largest n)."""
    parts = []
    if found.nominal is not None:
        parts.append(f"parameters = n·C at {name} ≈ {found.nominal:.3g}")
    if found.empirical is not None:
        parts.append(f"interpolation (training risk 0) begins at {name} = {found.empirical:g}")
    return "; ".join(parts) or "no threshold crossed in the grid"
