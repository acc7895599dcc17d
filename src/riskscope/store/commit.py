"""Committing one `TrialRecord`: artifacts first, then one transaction for all of its rows.

Order of a commit, and why:
1. validate and encode everything (a bad record fails before anything is written);
2. stage each artifact to a temporary file and fsync it, without holding the lock (slow part);
3. BEGIN IMMEDIATE; if the trial is finished by now (another process won), back off;
4. rename the staged files into place and fsync the directory (under the lock, so a loser can
   never overwrite a winner's files);
5. write the trial row, its metric points and artifact references; COMMIT.
A kill before 5 completes leaves no rows (SQLite rolls the transaction back) and at most files
nobody references; the next attempt overwrites them. The trial's claim (`claims`) is dropped
in the same transaction. Files a retried trial no longer has are deleted afterwards, but only
paths that resolve inside the store's artifacts directory (a crafted store cannot make
riskscope delete anything else).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from riskscope.core.errors import StoreError
from riskscope.store import artifacts, codec
from riskscope.store.connection import write_transaction
from riskscope.store.records import TrialRecord
from riskscope.store.runs import run_row
from riskscope.store.schema import FINISHED_STATUSES


def commit_record(db: sqlite3.Connection, directory: Path, path: Path, record: TrialRecord,
                  replace: bool = False) -> bool:
    """Write `record` atomically; False (writing nothing) if the trial is already finished,
    unless `replace` (then a finished trial is overwritten: recomputing a stale result)."""
    record.validate()
    artifacts.check_name("TrialRecord.trial_hash", record.trial_hash)
    for name in record.artifacts:
        artifacts.check_name(f"TrialRecord.artifacts[{name!r}]", name)
    columns = (
        codec.dumps(record.params, "TrialRecord.params"),
        codec.dumps(record.environment, "TrialRecord.environment"),
        codec.dumps(record.result, "TrialRecord.result"),
    )
    metric_rows = list(record.metric_rows())
    if not replace and _status(db, record.trial_hash) in FINISHED_STATUSES:
        return False  # skip the artifact writes
    staged: list[artifacts.StagedArtifact] = []
    try:
        for name, tensors in record.artifacts.items():
            staged.append(artifacts.stage(directory, record.trial_hash, name, tensors))
        with write_transaction(db):
            if not replace and _status(db, record.trial_hash) in FINISHED_STATUSES:
                return False
            run_row(db, path, record.run_id)
            old = {r[0] for r in db.execute(
                "SELECT relpath FROM artifacts WHERE trial_hash = ?", (record.trial_hash,)
            )}  # fmt: skip
            artifacts.publish(staged)
            write_rows(db, record, columns, metric_rows, staged)
            db.execute("DELETE FROM claims WHERE trial_hash = ?", (record.trial_hash,))
    finally:
        artifacts.discard(staged)
    for rel in old - {item.relpath for item in staged}:  # files a retried trial no longer has
        try:
            target = artifacts.inside_store(directory, rel)
        except StoreError:
            continue  # never delete outside the store; the row referencing it is gone already
        target.unlink(missing_ok=True)
    return True


def _status(db: sqlite3.Connection, trial_hash: str) -> str | None:
    row = db.execute("SELECT status FROM trials WHERE trial_hash = ?", (trial_hash,)).fetchone()
    return None if row is None else row[0]


def write_rows(db, record: TrialRecord, columns, metric_rows, staged) -> None:
    """All of the trial's rows, inside the caller's transaction (a module-level function so a
    test can kill a process exactly here, in the middle of a commit)."""
    params_json, env_json, result_json = columns
    th = record.trial_hash
    db.execute(
        """INSERT INTO trials (trial_hash, params_json, status, source_run, group_id, started_at,
               finished_at, environment_json, result_json, error, attempts, registered_at)
           VALUES (?,?,?,?,?,?,?,?,?,?,1,?)
           ON CONFLICT (trial_hash) DO UPDATE SET
               status = excluded.status, source_run = excluded.source_run,
               group_id = excluded.group_id, started_at = excluded.started_at,
               finished_at = excluded.finished_at, environment_json = excluded.environment_json,
               result_json = excluded.result_json, error = excluded.error,
               attempts = trials.attempts + 1""",
        (th, params_json, record.status, record.run_id, record.group_id,
         float(record.started_at), float(record.finished_at), env_json, result_json,
         record.error, time.time()),
    )  # fmt: skip
    db.execute(
        """INSERT OR IGNORE INTO run_trials (run_id, trial_hash, position)
           SELECT ?, ?, COALESCE(MAX(position) + 1, 0) FROM run_trials WHERE run_id = ?""",
        (record.run_id, th, record.run_id),
    )
    db.execute("DELETE FROM metrics WHERE trial_hash = ?", (th,))
    db.execute("DELETE FROM artifacts WHERE trial_hash = ?", (th,))
    db.executemany(
        "INSERT INTO metrics (trial_hash, name, seq, step, value) VALUES (?,?,?,?,?)", metric_rows
    )
    db.executemany(
        "INSERT INTO artifacts (trial_hash, name, relpath, sha256, nbytes) VALUES (?,?,?,?,?)",
        [(th, a.name, a.relpath, a.sha256, a.nbytes) for a in staged],
    )
