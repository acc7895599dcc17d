"""Recorders: measurements taken by the one trainer at chosen steps (accumulate → finalize).

A recorder says when it is called (`RecordAt`: log-spaced, every k steps, or a list) and what
it does with the ensemble then (`record(ensemble, step, active)`, parameters as of that step,
before its update); `finalize()` returns its series. A recorder that needs every step's
training loss and gradients (which the trainer has anyway) sets `wants_gradients` and gets
`on_gradients(step, loss_m, grads, active)` each step at no extra forward pass.
`BatchLossRecorder` keeps the loss (or objective) of chosen steps' batches.
Sharpness (Lanczos), NTK drift, the Fourier gap, progress measures and test curves are
recorders; the trainer's own log-spaced metrics are the built-in one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from riskscope.core.errors import SpecError
from riskscope.training.log_steps import log_spaced_steps


@dataclass(frozen=True)
class RecordAt:
    """When a recorder is called: `every` k steps (0 = never), `log_points` log-spaced steps,
    or the listed `steps`; always also at the step the run ends when `at_end`."""

    every: int = 0
    log_points: int = 0
    steps: tuple[int, ...] = ()
    at_end: bool = True

    def __post_init__(self):
        if self.every < 0 or self.log_points < 0 or any(s < 0 for s in self.steps):
            raise SpecError("record_at", self, "non-negative every, log_points and steps")

    def step_set(self, total: int) -> set[int]:
        out = set(self.steps)
        if self.every:
            out.update(range(0, total + 1, self.every))
        if self.log_points:
            out.update(int(s) for s in log_spaced_steps(total, self.log_points))
        return {s for s in out if s <= total}


class Recorder:
    """Base class: override `record` (and `on_gradients` with `wants_gradients = True`)."""

    at: RecordAt = RecordAt()
    wants_gradients: bool = False

    def record(self, ensemble, step: int, active: torch.Tensor) -> bool | None:
        """Measure at `step`; a true return ends the run there (members stop, "requested")."""
        return None

    def on_gradients(self, step: int, loss_m: torch.Tensor, grads: Sequence[torch.Tensor],
                     active: torch.Tensor) -> torch.Tensor | None:
        """Every step, before its update: the members' mean losses [M] and gradients. May
        return a bool mask [M] of members to stop as diverged (e.g. a non-finite gradient)."""
        return None

    def finalize(self) -> dict[str, np.ndarray]:
        return {}


class CallbackRecorder(Recorder):
    """Calls `fn(step, active)` at the chosen steps (a measurement hook as a recorder)."""

    def __init__(self, fn: Callable[[int, torch.Tensor], bool | None], at: RecordAt):
        self.fn, self.at = fn, at

    def record(self, ensemble, step: int, active: torch.Tensor) -> bool | None:
        return self.fn(step, active.clone())


class StepLossRecorder(Recorder):
    """The training loss and squared gradient norm of every member at every step
    (rows 0..steps: before each update, and at the end), NaN once a member stopped; a member
    whose gradient turns non-finite is stopped as diverged.

    Rows are written in place into two tables allocated at the first step (not one small
    tensor per step kept until the end: thousands of long-lived small blocks fragment the
    heap between the large transient tensors of measurements, and a run of wide networks
    then page-faults on every measurement; benchmarks/RESULTS.md, #13)."""

    wants_gradients = True

    def __init__(self, steps: int, device: torch.device, loss_fn=None):
        self._steps = steps
        self._device = device
        self._loss_fn = loss_fn   # (ensemble) -> (loss_m, grads) at the end
        self._losses: torch.Tensor | None = None
        self._grads: torch.Tensor | None = None
        self._count = 0
        self.at = RecordAt(at_end=True)

    def _write(self, loss_m, grads, active) -> torch.Tensor:
        g2 = sum(g.detach().pow(2).flatten(1).sum(1) for g in grads)
        if self._losses is None:
            self._losses = torch.full((self._steps + 1, loss_m.shape[0]), float("nan"),
                                      dtype=torch.float64, device=self._device)
            self._grads = torch.full_like(self._losses, float("nan"))
        self._losses[self._count] = torch.where(active, loss_m.double(), float("nan"))
        self._grads[self._count] = torch.where(active, g2.double(), float("nan"))
        self._count += 1
        return g2

    def on_gradients(self, step, loss_m, grads, active):
        g2 = self._write(loss_m, grads, active)
        if math.isfinite(g2.sum().item()):  # one cheap check; the exact mask if it fails
            return None  # (a non-finite loss is the trainer's own check)
        return active & ~(torch.isfinite(loss_m) & torch.isfinite(g2))

    def record(self, ensemble, step, active):
        if step == self._count and self._loss_fn is not None:  # the end: one more pass
            loss_m, grads = self._loss_fn(ensemble)
            self._write(loss_m, grads, active)
        return None

    def finalize(self) -> dict[str, np.ndarray]:
        if self._losses is None:
            empty = np.full((self._steps + 1, 0), np.nan)
            return {"losses": empty, "grad_norm_sq": empty.copy()}
        return {"losses": self._losses.cpu().numpy(), "grad_norm_sq": self._grads.cpu().numpy()}


class BatchLossRecorder(Recorder):
    """Every member's loss on the batch of each of `steps` (the value the step descends,
    before its update; a step the run did not reach is absent): `steps` [k] and `loss`
    [k, M] float64."""

    wants_gradients = True

    def __init__(self, steps: Sequence[int]):
        self.steps = {int(s) for s in steps}
        self.at = RecordAt(at_end=False)
        self._steps: list[int] = []
        self._rows: list[torch.Tensor] = []

    def on_gradients(self, step, loss_m, grads, active):
        if step in self.steps:
            self._steps.append(step)
            self._rows.append(loss_m.detach().double().clone())
        return None

    def finalize(self) -> dict[str, np.ndarray]:
        rows = torch.stack(self._rows).cpu().numpy() if self._rows else np.zeros((0, 0))
        return {"steps": np.array(self._steps, dtype=np.int64), "loss": rows}
