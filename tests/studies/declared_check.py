"""Checks that what a run stored is what its study declares (used by the smoke tests).

Every `result.<name>` column and every metric series of the run must be declared (a scalar
result as a scalar; a series may share its name with the scalar of its final value); every
number must lie in its declared range, or be NaN where that is allowed: in a diverged trial, or
where the declared unit says when a result is NaN ("NaN: ...").
"""

from __future__ import annotations

import math

import pandas as pd

from riskscope.core.declared_results import ResultDeclaration
from riskscope.store import Store


def _number(value) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return None


def _scalar_problems(decl: ResultDeclaration, status: str, result: dict) -> list[str]:
    problems = []
    for name, value in result.items():
        entry = decl.get(name)
        if entry is None:
            problems.append(f"result {name!r} is stored but not declared")
            continue
        if entry.kind != "scalar":
            problems.append(f"result {name!r} is stored as a scalar but declared a series")
        number = _number(value)
        if value is not None and number is None:
            continue  # text results have no range
        if number is None or math.isnan(number):
            if status != "diverged" and "NaN" not in entry.unit:
                problems.append(f"result {name!r} is NaN in a finished trial and its "
                                "declaration does not say when it may be")
            continue
        if not entry.in_range(number):
            problems.append(f"result {name!r} = {number} outside its declared range "
                            f"[{entry.low}, {entry.high}]")
    return problems


def declaration_problems(store: Store, run_id: str) -> list[str]:
    """What the run stored that its stored declaration does not cover (empty: all good)."""
    decl = ResultDeclaration.from_json(store.run(run_id)["info"].get("declaration"))
    problems = [] if decl.results else ["the run stored no declaration"]
    trials = store.trials(run_id)
    for trial_hash, status in zip(trials["trial_hash"], trials["status"]):
        if status in ("done", "diverged"):
            record = store.load_record(trial_hash, with_artifacts=False)
            problems += _scalar_problems(decl, status, record.result)
    metrics = store.metrics(run_id)
    if not metrics.empty:
        for name, group in metrics.groupby("name"):
            entry = decl.get(name)
            if entry is None:
                problems.append(f"series {name!r} is stored but not declared")
                continue
            values = group["value"].to_numpy(float)
            bad = [v for v in values[~pd.isna(values)] if not entry.in_range(float(v))]
            if bad:
                problems.append(f"series {name!r} has values outside [{entry.low}, "
                                f"{entry.high}], e.g. {bad[0]}")
    return sorted(set(problems))
