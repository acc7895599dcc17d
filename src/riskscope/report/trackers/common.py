"""What every tracker export needs: a run's finished trials as flat, typed records.

A trial becomes (label, flat params, numeric results, metric series): params flattened to
dotted keys (`model.width`), lists as JSON text; results split into numbers (booleans as 0/1)
and text; series as (steps, values) with non-finite values dropped (trackers store floats).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass

from riskscope.core.errors import SpecError
from riskscope.store import Store

__all__ = ["ExportTrial", "finished_trials", "flatten", "missing_extra"]


@dataclass
class ExportTrial:
    trial_hash: str
    label: str
    status: str
    params: dict[str, str | float | int | bool]
    results: dict[str, float]
    text_results: dict[str, str]
    series: dict[str, tuple[list[int], list[float]]]


def flatten(params: dict, prefix: str = "") -> dict[str, str | float | int | bool]:
    out: dict[str, str | float | int | bool] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, bool | int | float | str):
            out[name] = value
        elif value is None:
            out[name] = "None"
        else:
            out[name] = json.dumps(value, sort_keys=True)
    return out


def _split_results(result: dict) -> tuple[dict[str, float], dict[str, str]]:
    numbers, text = {}, {}
    for key, value in result.items():
        if isinstance(value, bool):
            numbers[key] = float(value)
        elif isinstance(value, int | float):
            if math.isfinite(value):
                numbers[key] = float(value)
        elif value is not None:
            text[key] = str(value)
    return numbers, text


def finished_trials(store: Store, run_id: str, skip: set[str] = frozenset()
                    ) -> Iterator[ExportTrial]:
    """The run's done and diverged trials (not those in `skip`), in the store's order."""
    frame = store.trials(run_id)
    frame = frame[frame["status"].isin(["done", "diverged"])]
    for trial_hash in frame["trial_hash"]:
        if trial_hash in skip:
            continue
        record = store.load_record(trial_hash, with_artifacts=False)
        numbers, text = _split_results(record.result)
        series = {}
        for name, (steps, values) in record.metrics.items():
            keep = [(s, v) for s, v in zip(steps, values) if math.isfinite(v)]
            if keep:
                series[name] = ([s for s, _ in keep], [v for _, v in keep])
        yield ExportTrial(trial_hash, f"trial-{trial_hash[:12]}", record.status,
                          flatten(record.params), numbers, text, series)


def missing_extra(package: str, extra: str, exc: ImportError) -> SpecError:
    return SpecError("--to", extra, f"an installed exporter: pip install 'riskscope[{extra}]'",
                     f"{package} is not installed ({exc})")
