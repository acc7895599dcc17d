"""Steps-to-learn and how abrupt the transition is, from a metric recorded during training.

Definitions (for a curve a(t) measured at steps t_0 < t_1 < ..., e.g. test accuracy):
- steps-to-learn T = the first measured step with a(t) ≥ `threshold` (default 0.99; for a loss,
  the first with a(t) ≤ threshold). It is an upper bound on the true crossing, within one
  measurement interval; NaN when the curve never reaches the threshold (censored).
- progress p(t) = (a(t) − start)/(end − start), with start the chance level (0.5 for balanced
  binary labels) or the first value, and end the perfect value (1 for accuracy).
  t_q = the first step with p(t) ≥ q, linearly interpolated between measured steps.
- transition width W = t_90 − t_10 and relative width W/T: small relative widths mean an
  abrupt transition after a long plateau (Barak et al. 2022: sparse parities learn
  "suddenly"); a value near 1 means progress spread over the whole run.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from riskscope.core.errors import SpecError


def _arrays(steps, values) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(steps, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if t.shape != v.shape or t.ndim != 1 or t.size == 0:
        raise SpecError("steps, values", (t.shape, v.shape), "two 1-D arrays of one length")
    if np.any(np.diff(t) <= 0):
        raise SpecError("steps", "not increasing", "strictly increasing steps")
    return t, v


def first_crossing(steps, values, threshold: float, direction: str = "above",
                   interpolate: bool = False) -> float:
    """The first step where values ≥ threshold ("above") or ≤ threshold ("below"); NaN if
    never. With `interpolate`, the crossing is placed linearly between measured steps."""
    t, v = _arrays(steps, values)
    if direction not in ("above", "below"):
        raise SpecError("direction", direction, "'above' or 'below'")
    sign = 1.0 if direction == "above" else -1.0
    hit = np.flatnonzero(sign * (v - threshold) >= 0)
    if hit.size == 0:
        return math.nan
    i = int(hit[0])
    if not interpolate or i == 0 or not np.isfinite(v[i - 1]):
        return float(t[i])
    frac = (threshold - v[i - 1]) / (v[i] - v[i - 1])
    return float(t[i - 1] + frac * (t[i] - t[i - 1]))


@dataclass(frozen=True)
class LearningTransition:
    steps_to_learn: float      # NaN when never learned
    t10: float
    t90: float
    width: float               # t90 − t10
    relative_width: float      # width / steps_to_learn
    learned: bool

    def to_dict(self) -> dict:
        return asdict(self)


def learning_transition(steps, accuracy, threshold: float = 0.99, chance: float | None = 0.5,
                        perfect: float = 1.0) -> LearningTransition:
    """Steps-to-learn and the 10%→90% transition of an accuracy curve (module docstring).

    chance: the start of the progress scale (None: the first recorded value).
    """
    t, a = _arrays(steps, accuracy)
    start = float(a[0]) if chance is None else float(chance)
    if not perfect > start:
        raise SpecError("perfect", perfect, f"a value above the start of progress {start}")
    learn = first_crossing(t, a, threshold)
    progress = (a - start) / (perfect - start)
    t10 = first_crossing(t, progress, 0.1, interpolate=True)
    t90 = first_crossing(t, progress, 0.9, interpolate=True)
    width = t90 - t10
    rel = width / learn if learn > 0 else math.nan
    return LearningTransition(learn, t10, t90, width, rel, not math.isnan(learn))
