"""Steps at which metrics are recorded: 0, then log-spaced up to the last step."""

from __future__ import annotations

import numpy as np


def log_spaced_steps(total_steps: int, points: int) -> list[int]:
    """About `points` distinct steps in [0, total_steps], log-spaced, always with 0 and the end.

    Dense at the start where training moves fastest; the exact count can be lower than
    `points` when the budget is short (duplicates after rounding are dropped).
    """
    if total_steps <= 0:
        return [0]
    grid = np.geomspace(1, total_steps, num=max(points - 1, 1))
    steps = {0, total_steps, *np.unique(np.round(grid).astype(int)).tolist()}
    return sorted(s for s in steps if 0 <= s <= total_steps)
