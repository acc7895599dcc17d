"""Stores with known results, written directly through the Store API (no training), for the
claims tests: each trial's parameters and results are chosen by the test."""

from __future__ import annotations

import hashlib
import json

from riskscope.store import Store, TrialRecord


def nested(flat: dict) -> dict:
    """{"model.width": 8} -> {"model": {"width": 8}}."""
    out: dict = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return out


def add_run(store: Store, run_id: str, study: str, rows: list[tuple[dict, dict]],
            preset: str | None = "full", status: str = "done", declaration: dict | None = None,
            trial_status: list[str] | None = None) -> str:
    """A run of `study` whose trials have the given (flat params, results); seeds are
    whatever the params say."""
    store.create_run(run_id, run_id, study, preset, {"study": study}, "0" * 64)
    records = []
    for i, (params, result) in enumerate(rows):
        params = nested({"study": study, **params})
        digest = hashlib.sha256(json.dumps([run_id, i, params], sort_keys=True).encode())
        records.append(TrialRecord(
            trial_hash=digest.hexdigest(), run_id=run_id, params=params,
            status=trial_status[i] if trial_status else "done", started_at=1.7e9,
            finished_at=1.7e9 + 1, environment={"device": "cpu"}, result=result))
    store.add_trials(run_id, [(r.trial_hash, r.params) for r in records])
    store.commit_trials(records)
    info = {} if declaration is None else {"declaration": declaration}
    store.set_run_status(run_id, status, **info)
    return run_id


def seeds(config: dict, name: str, values: list[float], **extra_results) -> list:
    """One (params, results) row per value: seed 0, 1, 2, … of one configuration."""
    return [({**config, "seed": s}, {name: v, **extra_results}) for s, v in enumerate(values)]
