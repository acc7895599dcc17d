"""Speed-of-training measures (Jiang et al. 2020, "optimization-based"): the number of steps
until the training cross-entropy first reaches a level, from a recorded training curve.

Curves are recorded at log-spaced steps, so the crossing is located by linear interpolation in
(ln(1 + step), ln loss) between the last record above the level and the first at or below it:
accurate to within the spacing of the records. NaN when the level is never reached.
    steps_to_loss_0p1          steps until the loss first reaches 0.1
    steps_from_loss_0p1_to_0p01 steps from reaching 0.1 to reaching 0.01
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def steps_to_loss(steps: Sequence[int], losses: Sequence[float], level: float) -> float:
    """First (interpolated) step at which the loss reaches `level`; NaN if it never does."""
    previous = None
    for step, loss in zip(steps, losses):
        if not math.isfinite(loss):
            continue
        if loss <= level:
            if previous is None or previous[1] <= 0:
                return float(step)
            s0, l0 = previous
            t = (math.log(l0) - math.log(level)) / (math.log(l0) - math.log(max(loss, 1e-300)))
            return math.expm1(math.log1p(s0) + t * (math.log1p(step) - math.log1p(s0)))
        previous = (step, loss)
    return math.nan


def speed_measures(steps: Sequence[int], losses: Sequence[float]) -> dict[str, float]:
    first = steps_to_loss(steps, losses, 0.1)
    second = steps_to_loss(steps, losses, 0.01)
    return {"steps_to_loss_0p1": first, "steps_from_loss_0p1_to_0p01": second - first}
