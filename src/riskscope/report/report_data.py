"""`ReportData`: everything a report shows, read from the store once (nothing is recomputed).

Result families a report knows:
- main results: the risks and gaps of `PREFERRED` (population, excess, generalization gap,
  training risk) when at least two are stored; otherwise those present and then the study's
  other numeric results that vary (bookkeeping and per-trial CI bounds left out), six at most;
- the decomposition: `approximation_error`, `optimization_error`, `generalization_gap` and
  `remainder` (they sum to `excess_risk`); present when all four are stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from riskscope.report.run_summary import code_counts, status_counts, summarize
from riskscope.report.trial_roles import main_trial_mask
from riskscope.store import Store

COMPONENTS = ("approximation_error", "optimization_error", "generalization_gap", "remainder")
PREFERRED = ("excess_risk", "population_risk", "generalization_gap", "train_risk")
BOOKKEEPING = {"group_size", "group_wall_s", "num_parameters", "stop_step", "bayes_risk",
               "decomposition_residual"}
_CI_SUFFIXES = ("_ci_low", "_ci_high")
_MAX_GENERIC = 6


@dataclass
class ReportData:
    """One run, as stored.

    summary:   the `run_summary` structure over the main trials (`trial_roles`); its counts
               are over every trial of the run.
    trials:    the main trials; `finished`: their done and diverged rows; `prerequisites`:
               the run's other trials (e.g. best-in-class runs), listed apart.
    metrics:   the metric series of the run's trials (long format).
    varying:   parameters taking more than one value; `numeric`: those that are numbers.
    results:   the main result names to plot and tabulate (see module docstring).
    environments: distinct environment records with the number of trials that ran in each.
    predictions: stated exponents, result -> parameter -> exponent (`_predictions`).
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

    @property
    def has_decomposition(self) -> bool:
        return all(f"result.{c}" in self.trials.columns for c in COMPONENTS)

    def others(self, param: str) -> list[str]:
        """The varying parameters other than `param` (they split lines or panels)."""
        return [p for p in self.varying if p != param]


def _is_numeric_param(values: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(values)
                and not pd.api.types.is_bool_dtype(values) and values.notna().any())


def _main_results(finished: pd.DataFrame) -> list[str]:
    names = [c.removeprefix("result.") for c in finished.columns if c.startswith("result.")]
    numeric = [n for n in names if pd.api.types.is_numeric_dtype(finished[f"result.{n}"])
               and not pd.api.types.is_bool_dtype(finished[f"result.{n}"])
               and finished[f"result.{n}"].notna().any()]
    preferred = [n for n in PREFERRED if n in numeric]
    if len(preferred) >= 2:
        return preferred
    generic = [n for n in numeric if n not in BOOKKEEPING and n not in preferred
               and not n.endswith(_CI_SUFFIXES) and finished[f"result.{n}"].nunique() > 1]
    return [*preferred, *generic][:_MAX_GENERIC]


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
        results=_main_results(finished) if len(finished) else [],
        environments=_environments(every),
        predictions=_predictions(run),
        prerequisites=every[~main],
    )
