"""Operations on the `runs` table: create (idempotent), status updates, lookup by reference.

Functions take an open connection and the database path (for messages); `Store` wraps them.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from riskscope.core.errors import SpecError, StoreError
from riskscope.store import codec
from riskscope.store.connection import write_transaction
from riskscope.store.schema import RUN_STATUSES


def run_row(db: sqlite3.Connection, path: Path, run_id: str) -> dict:
    """The run's row as a dict of column -> value; StoreError if there is no such run."""
    cursor = db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,))
    row = cursor.fetchone()
    if row is None:
        raise StoreError(f"no run {run_id!r} in {path}")
    return dict(zip([c[0] for c in cursor.description], row))


def create_run(
    db: sqlite3.Connection,
    path: Path,
    run_id: str,
    name: str,
    study: str,
    preset: str | None,
    spec: dict,
    spec_hash: str,
) -> bool:
    """Insert a run (status "created"); False if it exists with the same spec_hash."""
    spec_json = codec.dumps(spec, "spec")
    now = time.time()
    with write_transaction(db):
        row = db.execute("SELECT spec_hash FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is not None:
            if row[0] != spec_hash:
                raise StoreError(
                    f"run {run_id!r} already exists in {path} with spec hash {row[0]}, "
                    f"not {spec_hash}: a run id names one spec; choose a new run id"
                )
            return False
        db.execute(
            """INSERT INTO runs (run_id, name, study, preset, spec_json, spec_hash, status,
                                 created_at, updated_at) VALUES (?,?,?,?,?,?,'created',?,?)""",
            (run_id, name, study, preset, spec_json, spec_hash, now, now),
        )
    return True


def set_run_status(db: sqlite3.Connection, path: Path, run_id: str, status: str, info) -> None:
    """Set the status and merge `info` into the run's JSON info column, in one transaction."""
    if status not in RUN_STATUSES:
        raise SpecError("status", status, ", ".join(RUN_STATUSES))
    info_json = codec.dumps(info, "info")  # fail on a bad value before taking the lock
    with write_transaction(db):
        old = codec.loads(run_row(db, path, run_id)["info_json"], {}, f"info of run {run_id}")
        old = old if isinstance(old, dict) else {}
        db.execute(
            "UPDATE runs SET status = ?, info_json = ?, updated_at = ? WHERE run_id = ?",
            (status, codec.dumps({**old, **codec.loads(info_json)}, "info"), time.time(), run_id),
        )


def resolve_run(db: sqlite3.Connection, path: Path, run_ref: str) -> str:
    """Run id from an exact id, else a run name (latest run of that name), else a unique prefix.

    StoreError otherwise: listing the candidates of an ambiguous prefix, or the known runs.
    """
    if db.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_ref,)).fetchone():
        return run_ref
    row = db.execute(
        "SELECT run_id FROM runs WHERE name = ? ORDER BY created_at DESC, run_id DESC LIMIT 1",
        (run_ref,),
    ).fetchone()
    if row:
        return row[0]
    matches = []
    if run_ref:
        matches = [
            r[0]
            for r in db.execute(
                "SELECT run_id FROM runs WHERE substr(run_id, 1, ?) = ? ORDER BY created_at",
                (len(run_ref), run_ref),
            )
        ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise StoreError(
            f"run {run_ref!r} is ambiguous in {path}: it starts {len(matches)} run ids: "
            + ", ".join(matches)
        )
    known = db.execute("SELECT run_id, name FROM runs ORDER BY created_at DESC LIMIT 20").fetchall()
    listing = "; ".join(f"{rid} ({name})" for rid, name in known) or "none (the store is empty)"
    raise StoreError(f"no run {run_ref!r} in {path}; known runs, latest first: {listing}")
