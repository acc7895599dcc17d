"""`TrialReads`: the read half of `Store` (trials, series, artifacts, integrity).

A mixin so that `sqlite_store.py` keeps the life cycle and the writes, and this file the
queries that only read committed trials. It uses the store's `_db` connection, `path`,
`directory`, `_lock` and `read_only`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from riskscope.core.errors import StoreError
from riskscope.store import artifacts, codec, frames, runs
from riskscope.store.guard import guarded
from riskscope.store.records import TrialRecord

if TYPE_CHECKING:
    import pandas as pd
    import torch

__all__ = ["TrialReads"]


class TrialReads:
    """Reading committed trials: frames of trials and metrics, records, rows and artifacts."""

    @guarded
    def trials(self, run_id: str) -> pd.DataFrame:
        """One row per trial of the run (see `frames.trials_frame` for the columns)."""
        runs.run_row(self._db, self.path, run_id)
        return frames.trials_frame(self._db, run_id)

    @guarded
    def metrics(self, run_id: str, names=None, trial_hashes=None) -> pd.DataFrame:
        """Long format: trial_hash, name, step, value; optionally only some names/trials."""
        runs.run_row(self._db, self.path, run_id)
        return frames.metrics_frame(self._db, run_id, names, trial_hashes)

    @guarded
    def environment(self, trial_hash: str) -> dict:
        """Where the trial ran; {} while it is pending."""
        return codec.loads(self._trial_row(trial_hash)["environment_json"], {},
                           f"environment of trial {trial_hash}")

    @guarded
    def load_record(self, trial_hash: str, with_artifacts: bool = True) -> TrialRecord:
        """The committed trial as a TrialRecord (the inverse of `commit_trial`)."""
        row = self._trial_row(trial_hash)
        if row["status"] == "pending":
            raise StoreError(f"trial {trial_hash!r} in {self.path} is pending (not committed)")
        metrics: dict[str, tuple[list[int], list[float]]] = {}
        query = "SELECT name, step, value FROM metrics WHERE trial_hash = ? ORDER BY name, seq"
        for name, step, value in self._db.execute(query, (trial_hash,)):
            steps, values = metrics.setdefault(name, ([], []))
            steps.append(step)
            values.append(float("nan") if value is None else value)
        names = self.artifact_names(trial_hash) if with_artifacts else []
        return TrialRecord(
            trial_hash=trial_hash,
            run_id=row["source_run"],
            params=codec.loads(row["params_json"], {}, f"params of trial {trial_hash}"),
            status=row["status"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            environment=codec.loads(row["environment_json"], {},
                                    f"environment of trial {trial_hash}"),
            result=codec.loads(row["result_json"], {}, f"result of trial {trial_hash}"),
            metrics=metrics,
            artifacts={name: self.load_artifact(trial_hash, name) for name in names},
            error=row["error"],
            group_id=row["group_id"],
        )

    def _trial_row(self, trial_hash: str) -> dict:
        cursor = self._db.execute("SELECT * FROM trials WHERE trial_hash = ?", (trial_hash,))
        row = cursor.fetchone()
        if row is None:
            raise StoreError(f"no trial {trial_hash!r} in {self.path}")
        return dict(zip([c[0] for c in cursor.description], row))

    @guarded
    def artifact_names(self, trial_hash: str) -> list[str]:
        query = "SELECT name FROM artifacts WHERE trial_hash = ? ORDER BY name"
        return [r[0] for r in self._db.execute(query, (trial_hash,))]

    @guarded
    def load_artifact(self, trial_hash: str, name: str) -> dict[str, torch.Tensor]:
        """The artifact's tensors (on the CPU), after verifying the recorded sha256."""
        row = self._db.execute(
            "SELECT relpath, sha256 FROM artifacts WHERE trial_hash = ? AND name = ?",
            (trial_hash, name),
        ).fetchone()
        if row is None:
            have = ", ".join(self.artifact_names(trial_hash)) or "none"
            raise StoreError(
                f"no artifact {name!r} for trial {trial_hash!r} in {self.path} (it has: {have})"
            )
        return artifacts.read(self.directory, row[0], row[1])

    @guarded
    def trial_row(self, trial_hash: str) -> dict:
        """The trial's stored row: params, status, times, environment, result (parsed), error,
        group_id, source_run; pending trials included (see `load_record` for the series)."""
        row = self._trial_row(trial_hash)
        for column, key in (("params_json", "params"), ("environment_json", "environment"),
                            ("result_json", "result")):
            row[key] = codec.loads(row.pop(column), {})
        return row

    @guarded
    def artifact_entries(self, trial_hash: str) -> list[dict]:
        """name, relpath (under the store directory), sha256, nbytes of each artifact."""
        query = ("SELECT name, relpath, sha256, nbytes FROM artifacts WHERE trial_hash = ? "
                 "ORDER BY name")
        return [dict(zip(("name", "relpath", "sha256", "nbytes"), r))
                for r in self._db.execute(query, (trial_hash,))]

    @guarded
    def integrity_check(self) -> list[str]:
        """Problems found by SQLite's integrity and foreign-key checks ([] when healthy)."""
        problems = [r[0] for r in self._db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {r}" for r in self._db.execute("PRAGMA foreign_key_check")]
        return problems
