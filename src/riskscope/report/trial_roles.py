"""Which of a run's trials are its main trials, from the stored spec alone.

A run holds the trials of its spec's grid and, for some studies, prerequisite trials that those
trials use (the `decomposition` study's best-in-class runs: online training, `n_train` = 1).
A report summarizes and plots the main trials and lists the others apart. A trial is *main*
when every grid key takes one of the grid's values and every other key that the spec sets
explicitly has the spec's value (numbers compared as numbers). When no trial passes (a spec
written differently from the values the study stored), every trial counts as main.
"""

from __future__ import annotations

import math

import pandas as pd

from riskscope.store import codec


def _same(a, b) -> bool:
    numeric = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b
    if isinstance(a, numeric) and isinstance(b, numeric):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0) or a == b
    return a == b


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _grid(spec: dict) -> dict[str, list]:
    grid = spec.get("grid") or {}
    keys: dict[str, list] = {}
    for table in (grid.get("product") or {}, grid.get("zip") or {}):
        keys.update({k: list(v) for k, v in table.items() if isinstance(v, list)})
    return keys


def _fixed(spec: dict, grid: dict) -> dict:
    """Explicit leaf values of the spec's parameter sections, grid keys excluded."""
    sections = {k: spec[k] for k in ("task", "model", "data", "training", "options")
                if isinstance(spec.get(k), dict)}
    flat = codec.flatten(sections)
    return {k: v for k, v in flat.items()
            if k not in grid and not isinstance(v, list | dict) and v is not None}


def main_trial_mask(trials: pd.DataFrame, spec: dict, info: dict | None = None) -> pd.Series:
    """True for the run's main trials.

    The runner records the hashes of prerequisite trials in the run's info; runs written
    before it did fall back to matching the spec (see the module docstring).
    """
    prerequisites = (info or {}).get("prerequisites")
    if isinstance(prerequisites, list) and len(trials):
        return ~trials["trial_hash"].isin(set(prerequisites))
    if not len(trials) or not isinstance(spec, dict):
        return pd.Series(True, index=trials.index, dtype=bool)
    grid = _grid(spec)
    rules = [(k, lambda v, allowed=values: any(_same(v, a) for a in allowed))
             for k, values in grid.items() if k in trials.columns]
    rules += [(k, lambda v, want=value: _same(v, want))
              for k, value in _fixed(spec, grid).items() if k in trials.columns]
    mask = pd.Series(True, index=trials.index, dtype=bool)
    for column, rule in rules:
        mask &= trials[column].map(lambda v, r=rule: r(_plain(v)))
    if not mask.any():
        return pd.Series(True, index=trials.index, dtype=bool)
    return mask
