"""The hub's SQLite database (WAL mode): schema, connections and the write transaction.

Tables (schema version `SCHEMA_VERSION`, kept in `PRAGMA user_version`):
    users          name, token_id (public half of a token), salt, token_hash, created_at
    runs           one row per published bundle (digest = identity): what the gallery
                   filters and sorts on, plus `record_json` (declaration, headline results,
                   environment, trials' headline values); `withdrawn_at` hides a run but
                   keeps it (audit)
    claims         built-in and published claims (id, statement, source, study, TOML text)
    verdicts       one claim checked on one run: verdict, estimate, interval, detail
    reproductions  records of re-running a run's trials (who, when, outcome, record)
    events         audit log: who published, withdrew, added a claim, recorded a reproduction

Every request opens its own connection (`connect`); writers serialize on SQLite's lock
(`BEGIN IMMEDIATE` with a busy timeout), so concurrent publishes neither lose nor duplicate.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from riskscope.core.errors import RiskscopeError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    token_id TEXT NOT NULL UNIQUE,
    salt BLOB NOT NULL,
    token_hash BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    digest TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    name TEXT NOT NULL,
    study TEXT NOT NULL,
    preset TEXT,
    task TEXT,
    model TEXT,
    author TEXT NOT NULL,
    bundle_author TEXT,
    note TEXT,
    status TEXT,
    created_at REAL,
    published_at REAL NOT NULL,
    size_bytes INTEGER NOT NULL,
    n_trials INTEGER NOT NULL,
    spec_hash TEXT NOT NULL,
    pool_key TEXT NOT NULL,
    code_version TEXT,
    record_json TEXT NOT NULL,
    withdrawn_at REAL,
    withdrawn_by TEXT,
    withdraw_reason TEXT
);
CREATE INDEX IF NOT EXISTS runs_published ON runs (withdrawn_at, published_at);
CREATE INDEX IF NOT EXISTS runs_study ON runs (study, withdrawn_at);
CREATE INDEX IF NOT EXISTS runs_task ON runs (task);
CREATE INDEX IF NOT EXISTS runs_author ON runs (author);
CREATE INDEX IF NOT EXISTS runs_run_id ON runs (run_id);
CREATE TABLE IF NOT EXISTS claims (
    id TEXT PRIMARY KEY,
    statement TEXT NOT NULL,
    source TEXT NOT NULL,
    study TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('builtin', 'published')),
    author TEXT,
    published_at REAL NOT NULL,
    text TEXT NOT NULL,
    claim_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS verdicts (
    claim_id TEXT NOT NULL REFERENCES claims (id),
    digest TEXT NOT NULL REFERENCES runs (digest),
    verdict TEXT NOT NULL CHECK (verdict IN ('holds', 'fails', 'inconclusive')),
    estimate REAL,
    low REAL,
    high REAL,
    detail_json TEXT NOT NULL,
    checked_at REAL NOT NULL,
    PRIMARY KEY (claim_id, digest)
);
CREATE INDEX IF NOT EXISTS verdicts_digest ON verdicts (digest);
CREATE TABLE IF NOT EXISTS reproductions (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL REFERENCES runs (digest),
    by_user TEXT NOT NULL,
    at REAL NOT NULL,
    outcome TEXT NOT NULL,
    record_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reproductions_digest ON reproductions (digest);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    user TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class HubDatabaseError(RiskscopeError):
    """The hub database cannot be opened (corrupt, foreign, or from a newer riskscope)."""


def connect(path: str | Path, create: bool = False) -> sqlite3.Connection:
    """A connection in WAL mode with foreign keys on; creates the schema when `create`."""
    path = Path(path)
    if not create and not path.exists():
        raise HubDatabaseError(f"no hub database at {path}: start the hub with "
                               f"`riskscope hub serve --root {path.parent}` or add a user first")
    try:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                             check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        db.execute("PRAGMA synchronous = NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise HubDatabaseError(f"{path} is not a hub database ({exc})") from exc
    if mode.lower() != "wal":
        raise HubDatabaseError(f"{path}: could not switch to WAL mode (got {mode})")
    if version > SCHEMA_VERSION:
        db.close()
        raise HubDatabaseError(f"{path} has schema version {version}; this riskscope reads "
                               f"up to {SCHEMA_VERSION} (written by a newer riskscope?)")
    if version < SCHEMA_VERSION:
        if not create:
            foreign = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if foreign:
                db.close()
                raise HubDatabaseError(f"{path} is not a hub database (no hub schema)")
        with transaction(db):
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (nothing half-written)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def log_event(db: sqlite3.Connection, user: str | None, action: str, target: str,
              detail: str | None = None) -> None:
    """Append one audit event (inside the caller's transaction)."""
    db.execute("INSERT INTO events (at, user, action, target, detail) VALUES (?, ?, ?, ?, ?)",
               (time.time(), user, action, target, detail))


def integrity_check(db: sqlite3.Connection) -> list[str]:
    """SQLite's integrity and foreign-key checks: [] when the database is sound."""
    problems = [r[0] for r in db.execute("PRAGMA integrity_check") if r[0] != "ok"]
    problems += [f"foreign key: {tuple(r)}" for r in db.execute("PRAGMA foreign_key_check")]
    return problems


__all__ = ["SCHEMA_VERSION", "HubDatabaseError", "connect", "integrity_check", "log_event",
           "transaction"]
