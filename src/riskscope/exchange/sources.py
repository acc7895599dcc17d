"""A run as exchange reads it, from a store or from a verified bundle: `RunView`.

Compare, reproduce and the hub work on this one shape, so they need not care where a run
lives. Trials are plain dicts: trial_hash, params, status, result, environment, group_id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from riskscope.core.declared_results import ResultDeclaration
from riskscope.exchange.declared import derive_declaration, stored_declaration
from riskscope.exchange.verify import VerifiedBundle, verify_bundle
from riskscope.store import Store
from riskscope.store.schema import FINISHED_STATUSES


@dataclass(frozen=True)
class RunView:
    """label: where it came from (a bundle path or `run_id in <store>`)."""

    label: str
    run_id: str
    study: str
    spec: dict
    info: dict
    declaration: ResultDeclaration
    trials: tuple[dict, ...]
    fingerprint: dict | None = None

    def finished(self) -> list[dict]:
        return [t for t in self.trials if t["status"] in FINISHED_STATUSES]


def view_of_bundle(bundle: VerifiedBundle) -> RunView:
    trials = tuple({"trial_hash": t.trial_hash, "params": t.params, "status": t.status,
                    "result": t.result, "environment": t.environment, "group_id": t.group_id}
                   for t in bundle.trials)
    return RunView(str(bundle.path), bundle.run_id, bundle.meta["run"]["study"], bundle.spec,
                   bundle.meta["run"]["info"], bundle.declaration, trials,
                   bundle.code_fingerprint)


def view_of_run(store: Store, run_ref: str) -> RunView:
    run_id = store.resolve_run(run_ref)
    run = store.run(run_id)
    trials = []
    for th in store.trials(run_id)["trial_hash"]:
        row = store.trial_row(th)
        trials.append({"trial_hash": th, "params": row["params"], "status": row["status"],
                       "result": row["result"], "environment": row["environment"],
                       "group_id": row["group_id"]})
    declaration = stored_declaration(run["info"])
    if declaration is None:
        finished = [t["result"] for t in trials if t["status"] in FINISHED_STATUSES]
        names = set(store.metrics(run_id)["name"].unique())
        declaration = derive_declaration(finished, names)
    return RunView(f"{run_id} in {store.directory}", run_id, run["study"], run["spec"],
                   run["info"], declaration, tuple(trials), None)


def open_view(ref: str | os.PathLike, store: Store | None) -> RunView:
    """A bundle file if `ref` is an existing file, else a run of `store`."""
    path = Path(ref).expanduser()
    if path.is_file():
        return view_of_bundle(verify_bundle(path))
    if store is None:
        from riskscope.core.errors import SpecError

        raise SpecError("run", str(ref), "a bundle file, or a run of the results directory")
    return view_of_run(store, str(ref))


__all__ = ["RunView", "open_view", "view_of_bundle", "view_of_run"]
