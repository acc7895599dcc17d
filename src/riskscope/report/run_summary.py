"""A run's summary from the store alone: counts, the swept parameters, per-trial results and
means over seeds with confidence intervals. `riskscope show --json` prints this structure.

JSON keys (stable; documented in docs/cli.md):
  schema, run_id, name, study, preset, status, created_at, info, spec,
  counts{trials, finished, diverged, failed, pending}, varying (dotted parameter names),
  trials[{trial_hash, status, seed, data_seed, params{varying}, result{...}, error}],
  summary[{params{varying}, n, diverged, results{name: {mean, std, ci_low, ci_high, n,
          ci_method, ci_clipped, ci_informative}}}],
  prerequisites[{trial_hash, status, result{...}}],
  code{current, stale, unknown, stale_trials[...]},
  declaration (the study's declared results as stored with the run, or null for a run stored
  before declarations), headline (the headline result names present, in declared order)
The intervals: `riskscope.report.intervals` (a quantity shared by all seeds keeps its stored
Monte-Carlo interval; a t-interval is intersected with the declared range).
`counts` covers every trial of the run; `varying`, `trials` and `summary` cover its main
trials; prerequisite trials (e.g. the decomposition's best-in-class runs) are listed apart.
`code` compares each finished trial's recorded code fingerprint with the code installed now:
`stale` results were computed by code that has changed since (recompute them with
`riskscope run ... --rerun-stale`); `unknown` ones recorded no fingerprint.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from riskscope.report.declared import headline_results, run_declaration
from riskscope.report.intervals import mean_interval
from riskscope.report.trial_roles import main_trial_mask
from riskscope.store import Store

SCHEMA = "riskscope.show/2"  # /2: /1 + declaration, headline, interval method and flags
_IDENTITY = ("seed", "data_seed")


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (np.floating,)):
        return _clean(float(value))
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def varying_columns(trials: pd.DataFrame) -> list[str]:
    """Parameter columns (dotted) that take more than one value, seeds excluded."""
    cols = []
    for col in trials.columns:
        if "." not in col or col.startswith("result.") or col in _IDENTITY:
            continue
        if trials[col].astype(str).nunique() > 1:
            cols.append(col)
    return cols


def status_counts(trials: pd.DataFrame) -> dict:
    """trials, finished (done + diverged), diverged, failed, pending."""
    counts = {s: int((trials["status"] == s).sum()) if len(trials) else 0
              for s in ("done", "diverged", "failed", "pending")}
    return {"trials": len(trials), "finished": counts["done"] + counts["diverged"],
            "diverged": counts["diverged"], "failed": counts["failed"],
            "pending": counts["pending"]}


def code_counts(store: Store, run_id: str) -> dict:
    """{current, stale, unknown, stale_trials}: finished trials by whether the code that
    computed them is unchanged now (`Store.code_status`)."""
    status = store.code_status(run_id)
    stale = sorted(th for th, current in status.items() if current is False)
    return {"current": sum(v is True for v in status.values()), "stale": len(stale),
            "unknown": sum(v is None for v in status.values()), "stale_trials": stale}


def run_summary(store: Store, run_ref: str) -> dict:
    """Summary of the run's main trials; prerequisite trials are counted and listed apart."""
    run_id = store.resolve_run(run_ref)
    run = store.run(run_id)
    trials = store.trials(run_id)
    main = main_trial_mask(trials, run.get("spec") or {}, run.get("info") or {})
    summary = summarize(run, trials[main])
    summary["counts"] = status_counts(trials)
    summary["code"] = code_counts(store, run_id)
    summary["prerequisites"] = [
        {"trial_hash": t["trial_hash"], "status": t["status"],
         "result": {c.removeprefix("result."): _clean(t[c]) for c in trials.columns
                    if c.startswith("result.")}}
        for _, t in trials[~main].iterrows()]
    return summary


def summarize(run: dict, trials: pd.DataFrame) -> dict:
    """The `run_summary` structure of `run` (a `Store.run` dict) over the given trials."""
    run_id = run["run_id"]
    varying = varying_columns(trials) if len(trials) else []
    result_cols = [c for c in trials.columns if c.startswith("result.")]
    rows = []
    for _, t in trials.iterrows():
        rows.append({
            "trial_hash": t["trial_hash"],
            "status": t["status"],
            "seed": _clean(t.get("seed")),
            "data_seed": _clean(t.get("data_seed")),
            "params": {c: _clean(t[c]) for c in varying},
            "result": {c.removeprefix("result."): _clean(t[c]) for c in result_cols},
            "error": t.get("error") if isinstance(t.get("error"), str) else None,
        })
    summary = []
    finished = trials[trials["status"].isin(["done", "diverged"])] if len(trials) else trials
    numeric = [c for c in result_cols if len(finished)
               and pd.api.types.is_numeric_dtype(finished[c])]
    declaration = run_declaration(run)
    if len(finished):
        groups = finished.groupby(varying, sort=True, dropna=False) if varying else \
            [((), finished)]
        for key, frame in groups:
            key = key if isinstance(key, tuple) else (key,)
            summary.append({
                "params": {c: _clean(k) for c, k in zip(varying, key)},
                "n": len(frame),
                "diverged": int((frame["status"] == "diverged").sum()),
                "results": {c.removeprefix("result."): {
                    k: _clean(v) for k, v in _interval(frame, c, declaration).items()}
                    for c in numeric},
            })
    return {
        "schema": SCHEMA,
        "run_id": run_id,
        "name": run["name"],
        "study": run["study"],
        "preset": run.get("preset"),
        "status": run["status"],
        "created_at": run["created_at"],
        "info": run.get("info") or {},
        "spec": run["spec"],
        "counts": status_counts(trials),
        "varying": varying,
        "trials": rows,
        "summary": summary,
        "declaration": declaration.to_json() if declaration.results else None,
        "headline": headline_results(
            declaration, [c.removeprefix("result.") for c in numeric],
            {c.removeprefix("result."): finished[c].nunique() > 1 for c in numeric}),
    }


def _interval(frame: pd.DataFrame, column: str, declaration) -> dict:
    name = column.removeprefix("result.")
    low, high = f"{column}_ci_low", f"{column}_ci_high"
    stored = low in frame.columns and high in frame.columns and \
        pd.api.types.is_numeric_dtype(frame[low]) and pd.api.types.is_numeric_dtype(frame[high])
    return mean_interval(frame[column].to_numpy(float), declaration.get(name),
                         frame[low].to_numpy(float) if stored else None,
                         frame[high].to_numpy(float) if stored else None)
