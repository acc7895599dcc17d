"""A training run's record: metrics at log-spaced steps for every member, and how each stopped."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STOP_REASONS = ("budget", "target_loss", "interpolated", "diverged", "requested")


@dataclass
class Trajectory:
    """steps: the recorded steps; metrics[name]: float64 [len(steps), M] (NaN once diverged).

    stop_step[i]: the step at which member i stopped updating; stop_reason[i] in STOP_REASONS.
    recorded: what the run's recorders finalized (riskscope.training.recorders).
    """

    steps: list[int]
    metrics: dict[str, np.ndarray]
    stop_step: np.ndarray
    stop_reason: list[str]
    wall_s: float = 0.0
    steps_run: int = 0
    info: dict = field(default_factory=dict)
    #: each recorder's finalized series, in the order the recorders were given
    recorded: list[dict] = field(default_factory=list)

    @property
    def num_members(self) -> int:
        return len(self.stop_reason)

    @property
    def diverged(self) -> np.ndarray:
        return np.array([r == "diverged" for r in self.stop_reason])

    def final(self, name: str) -> np.ndarray:
        """The last recorded finite value of `name` for each member (NaN if none)."""
        values = self.metrics[name]
        out = np.full(values.shape[1], np.nan)
        for i in range(values.shape[1]):
            finite = np.flatnonzero(np.isfinite(values[:, i]))
            if finite.size:
                out[i] = values[finite[-1], i]
        return out

    def member_series(self, i: int) -> dict[str, tuple[list[int], list[float]]]:
        """Member i's series as name -> (steps, values), NaN rows dropped."""
        out = {}
        for name, values in self.metrics.items():
            keep = np.isfinite(values[:, i])
            out[name] = ([s for s, k in zip(self.steps, keep) if k],
                         values[keep, i].tolist())
        return out
