"""`ReportData`: everything a report shows, read from the store once (nothing is recomputed).

Result names come from the run record (`riskscope.report.declared`), never from study code:
- main results: the run's headline results (the declaration stored with the run; for a run
  stored before declarations, the fallback rule of `declared.headline_results`);
- the decomposition: `approximation_error`, `optimization_error`, `generalization_gap` and
  `remainder` (they sum to `excess_risk`; the identity of the integrated error analysis, the
  same in every study that stores it); drawn when all four are stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from riskscope.core.declared_results import ResultDeclaration
from riskscope.report.declared import run_declaration
from riskscope.report.run_summary import code_counts, status_counts, summarize
from riskscope.report.trial_roles import main_trial_mask
from riskscope.store import Store

COMPONENTS = ("approximation_error", "optimization_error", "generalization_gap", "remainder")


@dataclass
class ReportData:
    """One run, as stored.

    summary:   the `run_summary` structure over the main trials (`trial_roles`); its counts
               are over every trial of the run.
    trials:    the main trials; `finished`: their done and diverged rows; `prerequisites`:
               the run's other trials (e.g. best-in-class runs), listed apart.
    metrics:   the metric series of the run's trials (long format).
    varying:   parameters taking more than one value; `numeric`: those that are numbers.
    results:   the main (headline) result names to plot and tabulate (module docstring).
    declaration: the study's declaration stored with the run (empty for an older run).
    environments: distinct environment records with the number of trials that ran in each.
    predictions: stated exponents, result -> parameter -> exponent (`_predictions`).
    load_artifact: (trial hash, artifact name) -> tensors, read from the store on demand
               (figures that draw a stored tensor, e.g. a spectrum); None without a store.
    """

    run_id: str
    run: dict
    summary: dict
    trials: pd.DataFrame
    finished: pd.DataFrame
    metrics: pd.DataFrame
    varying: list[str]
    numeric: list[str]
    results: list[str]
    environments: list[tuple[dict, int]]
    predictions: dict = field(default_factory=dict)
    prerequisites: pd.DataFrame = field(default_factory=pd.DataFrame)
    declaration: ResultDeclaration = field(default_factory=ResultDeclaration)
    load_artifact: Callable[[str, str], dict] | None = None

    @property
    def has_decomposition(self) -> bool:
        return all(f"result.{c}" in self.trials.columns for c in COMPONENTS)

    def others(self, param: str) -> list[str]:
        """The varying parameters other than `param` (they split lines or panels)."""
        return [p for p in self.varying if p != param]


def _is_numeric_param(values: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(values)
                and not pd.api.types.is_bool_dtype(values) and values.notna().any())


def _environments(trials: pd.DataFrame) -> list[tuple[dict, int]]:
    counts: dict[str, int] = {}
    for text in trials.get("environment", pd.Series(dtype=object)).dropna():
        counts[text] = counts.get(text, 0) + 1
    out = []
    for text, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        try:
            record = json.loads(text)
        except ValueError:
            record = {"environment": text}
        if record:
            out.append((record if isinstance(record, dict) else {"environment": record}, n))
    return out


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _predictions(run: dict) -> dict:
    """Stated exponents, result -> parameter -> exponent, from `expected_exponents` in the
    spec's options or the run's info: {"result:parameter": exponent} (the decomposition
    study's form) or {result: {parameter: exponent}}."""
    found: dict = {}
    for source in ((run.get("spec") or {}).get("options") or {}, run.get("info") or {}):
        raw = source.get("expected_exponents") if isinstance(source, dict) else None
        for key, value in (raw or {}).items() if isinstance(raw, dict) else ():
            if isinstance(value, dict):
                for param, exponent in value.items():
                    if _number(exponent):
                        found.setdefault(str(key), {})[str(param)] = float(exponent)
            elif _number(value) and ":" in str(key):
                result, param = str(key).split(":", 1)
                found.setdefault(result.strip(), {})[param.strip()] = float(value)
    return found


def load_report_data(store: Store, run_ref: str) -> ReportData:
    """Read the run `run_ref` (id, unique prefix or name) and everything its report shows."""
    run_id = store.resolve_run(run_ref)
    run = store.run(run_id)
    every = store.trials(run_id)
    main = main_trial_mask(every, run.get("spec") or {}, run.get("info") or {})
    trials = every[main]
    summary = summarize(run, trials)
    summary["counts"] = status_counts(every)
    summary["code"] = code_counts(store, run_id)
    finished = trials[trials["status"].isin(["done", "diverged"])] if len(trials) else trials
    varying = list(summary["varying"])
    numeric = [p for p in varying if _is_numeric_param(trials[p])]
    return ReportData(
        run_id=run_id,
        run=run,
        summary=summary,
        trials=trials,
        finished=finished,
        metrics=store.metrics(run_id),
        varying=varying,
        numeric=numeric,
        results=_plotted(summary["headline"], finished),
        environments=_environments(every),
        predictions=_predictions(run),
        prerequisites=every[~main],
        declaration=run_declaration(run),
        load_artifact=store.load_artifact,
    )


def _plotted(headline: list[str], finished: pd.DataFrame) -> list[str]:
    """The headline results that have a finite value in some finished trial (not booleans)."""
    out = []
    for name in headline:
        column = finished.get(f"result.{name}")
        if column is None or pd.api.types.is_bool_dtype(column) or not \
                pd.api.types.is_numeric_dtype(column) or not column.notna().any():
            continue
        out.append(name)
    return out
