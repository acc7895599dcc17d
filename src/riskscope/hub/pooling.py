"""The study page: every live run of one study, headline results side by side, and pooled
where the specs agree.

Runs agree when their specs are equal up to the seeds (`record.pool_key`): then each parameter
combination's trials estimate the same quantity and can be pooled. A trial that two runs share
(same trial hash: same parameters and seed) is counted once — the earliest published value — so
re-publishing or re-running a run adds no weight. The pooled estimate is the mean over the
distinct trials with a Student-t 95% interval, as `riskscope show` computes it for one run.
"""

from __future__ import annotations

import json
import math
import sqlite3

from riskscope.core.estimate import t_quantile
from riskscope.hub.queries import (
    API_SCHEMA,
    MAX_PER_PAGE,
    int_param,
    reproduction_status,
    run_row,
)
from riskscope.hub.record import canonical_json


def mean_interval(values: list[float], confidence: float = 0.95) -> dict:
    """mean, ci_low, ci_high (Student-t), n over the finite values."""
    values = [v for v in values if v is not None and math.isfinite(v)]
    n = len(values)
    if n == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    mean = sum(values) / n
    if n == 1:
        return {"mean": mean, "ci_low": None, "ci_high": None, "n": 1}
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = t_quantile(confidence, n - 1) * math.sqrt(var / n)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def pool_runs(records: list[tuple[str, dict]]) -> dict:
    """Pool runs (digest, record) whose specs agree: per parameter combination and headline
    result, the mean over distinct trials. Returns {headline, rows[{params, results}],
    trials, shared_trials}."""
    headline: list[str] = []
    for _, record in records:
        headline += [n for n in record.get("headline", []) if n not in headline]
    seen: dict[str, dict] = {}
    shared = 0
    for _, record in records:
        for trial in record.get("trials", []):
            if trial["status"] not in ("done", "diverged"):
                continue
            if trial["trial_hash"] in seen:
                shared += 1
                continue
            seen[trial["trial_hash"]] = trial
    groups: dict[str, dict] = {}
    for trial in seen.values():
        key = canonical_json(trial.get("params", {}))
        group = groups.setdefault(key, {"params": trial.get("params", {}), "values": {}})
        for name in headline:
            group["values"].setdefault(name, []).append(trial.get("result", {}).get(name))
    rows = [{"params": g["params"],
             "results": {n: mean_interval(g["values"].get(n, [])) for n in headline}}
            for _, g in sorted(groups.items())]
    return {"headline": headline, "rows": rows, "trials": len(seen), "shared_trials": shared}


def study_detail(db: sqlite3.Connection, study: str, page=1, per_page=50) -> dict:
    """The study page's data: one page of its runs (newest first, with their headline
    summaries) and the pools of agreeing runs over all of them."""
    page = int_param("page", page, 1, 1, 10**6)
    per_page = int_param("per_page", per_page, 50, 1, MAX_PER_PAGE)
    rows = db.execute("SELECT * FROM runs WHERE study = ? AND withdrawn_at IS NULL "
                      "ORDER BY published_at, digest", (study,)).fetchall()
    shown = {r["digest"] for r in rows[::-1][(page - 1) * per_page: page * per_page]}
    repro = reproduction_status(db, list(shown))
    runs, by_key = [], {}
    for row in rows:
        record = json.loads(row["record_json"])
        by_key.setdefault(row["pool_key"], []).append((row["digest"], record))
        if row["digest"] in shown:
            runs.append({**run_row(row, repro.get(row["digest"])), "pool_key": row["pool_key"],
                         "headline": record.get("headline", []),
                         "summary": record.get("summary", [])})
    runs.reverse()
    pools = []
    for key, members in by_key.items():
        if len(members) < 2:
            continue
        pooled = pool_runs(members)
        pools.append({"pool_key": key, "runs": [d for d, _ in members], **pooled})
    return {"schema": API_SCHEMA, "study": study, "total": len(rows), "page": page,
            "per_page": per_page, "pages": max(1, math.ceil(len(rows) / per_page)),
            "runs": runs, "pools": pools}


__all__ = ["mean_interval", "pool_runs", "study_detail"]
