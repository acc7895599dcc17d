"""The terminal phase of training and what neural collapse did during it (Papyan, Han &
Donoho 2020).

Papyan et al. call the epochs after the training error first reaches zero the *terminal phase
of training* (TPT) and show NC1 falling by orders of magnitude during it. From one member's
series measured at steps t_0 < … < t_T (log-spaced in riskscope's studies):

- `terminal_start_step`: the first measured step from which the training error is 0 at every
  later measured step (an upper bound on the true start: the error may have reached 0 between
  two measurements); None when the last measured error is not 0 (never reached: censored);
- `terminal_fraction` = (t_T − start) / t_T: the share of the step budget spent in the TPT;
- `nc1_decades_terminal` = log10(NC1(start) / NC1(t_T)): orders of magnitude NC1 fell during
  the TPT (negative when it rose); `nc1_decades_total` = log10(NC1(t_0) / NC1(t_T));
- `at_start`: every given series' value at the start step.
Decades are NaN when a value is not positive and finite (NC1 is a trace of a product of
positive semi-definite matrices: ≥ 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from riskscope.core.errors import SpecError

__all__ = ["TerminalPhase", "terminal_phase"]


@dataclass(frozen=True)
class TerminalPhase:
    terminal_start_step: int | None
    terminal_fraction: float
    nc1_decades_terminal: float
    nc1_decades_total: float
    at_start: dict[str, float] = field(default_factory=dict)


def _decades(before: float, after: float) -> float:
    ok = all(math.isfinite(v) and v > 0 for v in (before, after))
    return math.log10(before / after) if ok else math.nan


def terminal_phase(steps, train_error, nc1, series: Mapping[str, object] | None = None
                   ) -> TerminalPhase:
    """The terminal phase of one member from its measured steps [T], training 0-1 errors [T]
    and NC1 [T]; `series` (name → [T]) are read at the start step into `at_start`."""
    t = np.asarray(steps, dtype=np.int64)
    err = np.asarray(train_error, dtype=np.float64)
    nc = np.asarray(nc1, dtype=np.float64)
    if t.ndim != 1 or t.size == 0 or err.shape != t.shape or nc.shape != t.shape:
        raise SpecError("train_error", f"shapes {err.shape}, {nc.shape}",
                        f"1-D series of the {t.shape} measured steps")
    if np.any(np.diff(t) <= 0):
        raise SpecError("steps", t.tolist(), "strictly increasing steps")
    total = _decades(float(nc[0]), float(nc[-1]))
    nonzero = np.flatnonzero(~(err == 0))       # NaN (diverged) counts as not zero
    k = 0 if nonzero.size == 0 else int(nonzero[-1]) + 1
    if k == t.size:
        return TerminalPhase(None, 0.0, math.nan, total)
    start = int(t[k])
    fraction = (int(t[-1]) - start) / int(t[-1]) if t[-1] > 0 else 0.0
    at_start = {name: float(np.asarray(v, dtype=np.float64)[k])
                for name, v in (series or {}).items()}
    return TerminalPhase(start, fraction, _decades(float(nc[k]), float(nc[-1])), total,
                         at_start)
