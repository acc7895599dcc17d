"""Learning-rate schedules as pure functions of the step: lr_t = lr · factor(t).

- constant: 1
- cosine:   final + (1 − final)·½(1 + cos(π t / T))  (Loshchilov & Hutter 2017, no restarts)
- step:     γ^⌊t / step_size⌋
An optional linear warm-up multiplies by min(1, (t + 1) / warmup_steps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    kind: str = "constant"      # constant | cosine | step
    total_steps: int = 1
    final_factor: float = 0.0   # cosine: the factor reached at the last step
    step_size: int = 1000       # step: decay every step_size steps
    gamma: float = 0.1          # step: decay factor
    warmup_steps: int = 0

    def factor(self, t: int) -> float:
        if self.kind == "constant":
            f = 1.0
        elif self.kind == "cosine":
            frac = min(t / max(self.total_steps, 1), 1.0)
            f = self.final_factor + (1 - self.final_factor) * 0.5 * (1 + math.cos(math.pi * frac))
        elif self.kind == "step":
            f = self.gamma ** (t // self.step_size)
        else:
            raise ValueError(f"unknown schedule {self.kind!r}")
        if self.warmup_steps > 0:
            f *= min(1.0, (t + 1) / self.warmup_steps)
        return f
