"""`TrialRecord`: everything one finished (or failed) trial hands to the store, in one object.

The store writes a record in a single transaction, so a record is the unit of "no lost work":
either all of it (row, result, every metric point, every artifact reference) is in the store,
or none of it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from riskscope.core.errors import SpecError
from riskscope.store.codec import is_tensor
from riskscope.store.schema import RECORD_STATUSES

if TYPE_CHECKING:
    import torch


def _as_numpy(values) -> np.ndarray:
    """A 1-d numpy view of a list, numpy array or (possibly CUDA) tensor."""
    if is_tensor(values):
        values = values.detach().cpu()
        values = (values.double() if values.is_floating_point() else values).numpy()
    return np.asarray(values).reshape(-1)


def metric_arrays(name: str, series) -> tuple[np.ndarray, np.ndarray]:
    """Validate one metric series (steps, values) and return it as (int64, float64) arrays."""
    field_name = f"TrialRecord.metrics[{name!r}]"
    if not isinstance(series, tuple | list) or len(series) != 2:
        raise SpecError(field_name, type(series).__name__, "a pair (steps, values)")
    try:
        steps, values = _as_numpy(series[0]), _as_numpy(series[1])
    except (TypeError, ValueError, RuntimeError) as exc:
        raise SpecError(field_name, type(series[1]).__name__, "numbers", str(exc)) from exc
    if len(steps) != len(values):
        raise SpecError(
            field_name, f"{len(steps)} steps, {len(values)} values", "as many steps as values"
        )
    integral = steps.dtype.kind in "iu" or (
        steps.dtype.kind == "f" and bool(np.all(np.mod(steps, 1) == 0))
    )
    if not integral:
        raise SpecError(field_name, steps[:5].tolist(), "integer steps")
    try:
        return steps.astype(np.int64), values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise SpecError(field_name, values[:5].tolist(), "numeric values", str(exc)) from exc


@dataclass
class TrialRecord:
    """One trial's outcome, as committed to the store.

    trial_hash:  hex sha256 of the trial's canonical spec; the primary key across all runs.
    run_id:      the run that produced it (it must exist in the store).
    params:      JSON-able resolved trial parameters (nested dicts become dotted columns).
    status:      "done", "diverged" (finished, not retried) or "failed" (retried next time).
    started_at, finished_at: unix times.
    environment: JSON-able description of where it ran (see `environment_record`).
    result:      JSON-able scalar results; NaN and ±inf round-trip.
    metrics:     name -> (steps, values) time series.
    artifacts:   name -> {tensor name: tensor}, each saved as one safetensors file.
    error:       the error message of a failed trial.
    group_id:    the ensemble (batched group of trials) it was trained in.
    """

    trial_hash: str
    run_id: str
    params: dict
    status: str
    started_at: float
    finished_at: float
    environment: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)
    metrics: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)
    artifacts: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    error: str | None = None
    group_id: str | None = None

    @property
    def duration_s(self) -> float:
        return float(self.finished_at) - float(self.started_at)

    def validate(self) -> None:
        """Raise SpecError naming the first malformed field."""
        if self.status not in RECORD_STATUSES:
            raise SpecError("TrialRecord.status", self.status, ", ".join(RECORD_STATUSES))
        for name in ("params", "environment", "result", "metrics", "artifacts"):
            if not isinstance(getattr(self, name), dict):
                raise SpecError(f"TrialRecord.{name}", type(getattr(self, name)).__name__, "dict")
        for name in ("started_at", "finished_at"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise SpecError(f"TrialRecord.{name}", value, "a finite unix time in seconds")
        for name, tensors in self.artifacts.items():
            if not isinstance(tensors, dict) or not all(
                isinstance(k, str) and is_tensor(v) for k, v in tensors.items()
            ):
                raise SpecError(f"TrialRecord.artifacts[{name!r}]", tensors, "dict[str, Tensor]")

    def metric_rows(self) -> Iterator[tuple[str, str, int, int, float]]:
        """(trial_hash, name, seq, step, value) rows for the metrics table, in series order."""
        for name, series in self.metrics.items():
            if not isinstance(name, str) or not name:
                raise SpecError("TrialRecord.metrics", name, "non-empty string names")
            steps, values = metric_arrays(name, series)
            for seq, (step, value) in enumerate(zip(steps.tolist(), values.tolist())):
                yield self.trial_hash, name, seq, step, value
