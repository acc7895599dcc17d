"""What the hub keeps about a published run, read from the run's store after import.

The gallery, the run page and the study page read this record from the hub database and never
open the run's store: a page over a thousand runs is one query. The record holds

    declaration   the study's declared results (ResultDeclaration JSON)
    headline      the names of the headline results (declared ones; for a run without a
                  declaration the first scalar results present, as `riskscope show` does)
    varying, counts, summary    `run_summary`'s, restricted to the headline results
    trials        per main trial: trial_hash, seed, data_seed, varying params, headline values
    environment   devices, versions and platforms the trials ran on
    spec          the validated spec

`pool_key` names the runs whose specs agree up to the seeds (and the run's name, device and
group size, which do not change what a trial computes): the study page pools those.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from riskscope.core.declared_results import ResultDeclaration

POOL_IGNORED = ("seeds", "name", "device", "max_group_size")
_SKIP_RESULTS = ("group_size", "group_wall_s", "stop_step", "num_parameters")


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def pool_key(spec: dict) -> str:
    """sha256 of the spec without seeds, name, device and group size."""
    kept = {k: v for k, v in (spec or {}).items() if k not in POOL_IGNORED}
    return hashlib.sha256(canonical_json(kept).encode()).hexdigest()


def model_text(spec: dict) -> str:
    """'mlp width 16 depth 2 relu standard', with grid values where the grid sweeps them."""
    model = dict((spec or {}).get("model") or {})
    grid = (spec or {}).get("grid") or {}
    for section in ("product", "zip"):
        for key, values in (grid.get(section) or {}).items():
            if key.startswith("model.") and isinstance(values, list):
                model[key[len("model."):]] = "{" + ", ".join(str(v) for v in values) + "}"
    parts = [str(model.get("family", "?"))]
    for key in ("width", "depth"):
        if key in model:
            parts.append(f"{key} {model[key]}")
    parts += [str(model[k]) for k in ("activation", "parameterization") if k in model]
    return " ".join(parts)


def task_text(spec: dict) -> str:
    task = (spec or {}).get("task") or {}
    return str(task.get("name", "?"))


def headline_names(declaration: ResultDeclaration, summary: dict) -> list[str]:
    """Declared headline scalar results present in the run, else its first four results."""
    present: list[str] = []
    for row in summary.get("summary", []):
        for name, stats in row.get("results", {}).items():
            if stats.get("mean") is not None and name not in present:
                present.append(name)
    names = [n for n in present if (d := declaration.get(n)) is not None and d.headline
             and d.kind == "scalar"]
    if names:
        return names
    plain = [n for n in sorted(present) if n not in _SKIP_RESULTS
             and not n.endswith(("_ci_low", "_ci_high"))]
    return plain[:4]


def environment_summary(environments: list[dict]) -> dict:
    """Distinct devices, platforms and versions over the trials' environment records."""
    keys = ("device", "device_name", "platform", "python", "torch", "numpy", "riskscope",
            "git_revision")
    out: dict[str, list] = {k: [] for k in keys}
    for env in environments:
        for key in keys:
            value = env.get(key)
            if value is not None and str(value) not in out[key]:
                out[key].append(str(value))
    return {k: v for k, v in out.items() if v}


def build_record(store, run_id: str) -> dict:
    """The hub's record of run `run_id` (see the module docstring)."""
    from riskscope.report.run_summary import run_summary

    run = store.run(run_id)
    summary = run_summary(store, run_id)
    declaration = ResultDeclaration.from_json((run.get("info") or {}).get("declaration"))
    names = headline_names(declaration, summary)
    trials = [{"trial_hash": t["trial_hash"], "status": t["status"], "seed": t.get("seed"),
               "data_seed": t.get("data_seed"), "params": t.get("params", {}),
               "result": {n: _finite(t.get("result", {}).get(n)) for n in names}}
              for t in summary["trials"]]
    rows = [{"params": r["params"], "n": r["n"], "diverged": r.get("diverged", 0),
             "results": {n: r["results"][n] for n in names if n in r["results"]}}
            for r in summary["summary"]]
    environments = [store.environment(t["trial_hash"]) for t in summary["trials"]
                    if t["status"] in ("done", "diverged")]
    return {"declaration": declaration.to_json(), "headline": names,
            "varying": summary["varying"], "counts": summary["counts"], "summary": rows,
            "trials": trials, "environment": environment_summary(environments),
            "spec": run.get("spec") or {}}


__all__ = ["build_record", "canonical_json", "environment_summary", "headline_names",
           "model_text", "pool_key", "task_text"]
