"""Selecting a run's trials by parameter filters, and splitting them into configurations.

A filter maps a parameter (its dotted name, e.g. "model.parameterization") to
- a value: the parameter equals it ("ntk", 0.1, true);
- a list of values: it equals one of them;
- a table {min = …, max = …}: it lies in the closed range; each bound is a number or the
  name of another parameter of the same trial (e.g. min = "task.teacher_width": a student at
  least as wide as its teacher).
A configuration is one combination of the parameters that vary among the selected trials,
leaving out the seeds (`seed`, `data_seed`): its trials are the seeds of one setting.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from riskscope.core.errors import SpecError
from riskscope.store.frames import TRIAL_COLUMNS

SEED_KEYS = ("seed", "data_seed")
_RANGE_KEYS = ("min", "max")


def check_filters(filters: Any, field: str, known: set[str] | None = None) -> dict:
    """Validate a filter table; `known`: the study's parameter names (None: not checked)."""
    if not isinstance(filters, dict):
        raise SpecError(field, filters, "a table of parameter = value filters")
    for name, value in filters.items():
        where = f"{field}.{name!r}" if "." in name else f"{field}.{name}"
        if known is not None and not _known(name, known):
            from riskscope.core.errors import closest_match

            close = closest_match(name, known)
            raise SpecError(where, f"unknown parameter {name!r}",
                            "a parameter of the study, e.g. " + ", ".join(sorted(known)[:8]),
                            f"did you mean {close!r}?" if close else None)
        if isinstance(value, dict):
            extra = set(value) - set(_RANGE_KEYS)
            if extra or not value:
                raise SpecError(where, value, "a table with min and/or max")
            for key, bound in value.items():
                if isinstance(bound, bool) or not isinstance(bound, int | float | str):
                    raise SpecError(f"{where}.{key}", bound, "a number or a parameter name")
                if isinstance(bound, float) and math.isnan(bound):
                    raise SpecError(f"{where}.{key}", bound, "a number, not NaN")
                if isinstance(bound, str) and known is not None and not _known(bound, known):
                    raise SpecError(f"{where}.{key}", bound, "a number or a parameter name")
        elif isinstance(value, list):
            if not value or not all(_scalar(v) for v in value):
                raise SpecError(where, value, "a non-empty list of values")
        elif not _scalar(value):
            raise SpecError(where, value, "a value, a list of values or {min, max}")
    return dict(filters)


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _known(name: str, known: set[str]) -> bool:
    return name in known or any(k.startswith(name + ".") for k in known)


def plain_value(value: Any) -> Any:
    """A numpy scalar from a DataFrame as the Python value it stands for."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _equal(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(actual, bool):
        return isinstance(actual, bool) and isinstance(wanted, bool) and actual == wanted
    if isinstance(wanted, int | float) and isinstance(actual, int | float):
        return math.isclose(float(actual), float(wanted), rel_tol=1e-12, abs_tol=0.0) \
            or float(actual) == float(wanted)
    return actual == wanted


def _bound(row: dict, bound: Any) -> float | None:
    if isinstance(bound, str):
        value = plain_value(row.get(bound))
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
            else None
    return float(bound)


def row_matches(row: dict, filters: dict) -> bool:
    """True when the trial (a row of `store.trials` as a dict) passes every filter."""
    for name, wanted in filters.items():
        actual = plain_value(row.get(name))
        if actual is None or (isinstance(actual, float) and math.isnan(actual)):
            return False
        if isinstance(wanted, dict):
            if isinstance(actual, bool) or not isinstance(actual, int | float):
                return False
            for key, bound in wanted.items():
                limit = _bound(row, bound)
                if limit is None:
                    return False
                if (key == "min" and actual < limit) or (key == "max" and actual > limit):
                    return False
        elif isinstance(wanted, list):
            if not any(_equal(actual, w) for w in wanted):
                return False
        elif not _equal(actual, wanted):
            return False
    return True


def select(trials: pd.DataFrame, filters: dict) -> pd.DataFrame:
    """The trials that pass every filter (all of them without filters)."""
    if not filters or trials.empty:
        return trials
    keep = [row_matches(row, filters) for row in trials.to_dict("records")]
    return trials[keep]


def parameter_columns(trials: pd.DataFrame) -> list[str]:
    """The trials' parameter columns (not bookkeeping, results or the environment)."""
    return [c for c in trials.columns if c not in TRIAL_COLUMNS and c != "environment"
            and not c.startswith("result.")]


def _key(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "null"
    return json.dumps(plain_value(value), sort_keys=True, default=str)


def varying(trials: pd.DataFrame, exclude: tuple[str, ...] = ()) -> list[str]:
    """Parameters whose value differs between the trials (seeds and `exclude` left out)."""
    out = []
    for col in parameter_columns(trials):
        if col in SEED_KEYS or col in exclude:
            continue
        values = trials[col].tolist()
        if any(v != values[0] for v in values) and len({_key(v) for v in values}) > 1:
            out.append(col)
    return out


def configurations(trials: pd.DataFrame, exclude: tuple[str, ...] = ()
                   ) -> list[tuple[dict, pd.DataFrame]]:
    """(configuration, its trials) for each combination of the varying parameters, in the
    order the run lists them; `exclude` names parameters not to split on."""
    keys = varying(trials, exclude)
    if not keys:
        return [({}, trials)] if not trials.empty else []
    groups: dict[str, tuple[dict, list]] = {}
    columns = {k: trials[k].tolist() for k in keys}
    for i, idx in enumerate(trials.index):
        config = {k: plain_value(columns[k][i]) for k in keys}
        tag = _key([_key(config[k]) for k in keys])
        groups.setdefault(tag, (config, []))[1].append(idx)
    return [(config, trials.loc[idx]) for config, idx in groups.values()]


def label(configuration: dict) -> str:
    """"model.width=64, training.lr=0.04" (or "all selected trials")."""
    if not configuration:
        return "all selected trials"
    return ", ".join(f"{k}={_plain(v)}" for k, v in configuration.items())


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else f"{value:g}"
    return f"{value:g}" if isinstance(value, float) else str(value)


__all__ = ["SEED_KEYS", "check_filters", "configurations", "label", "parameter_columns",
           "plain_value", "row_matches", "select", "varying"]
