"""The store's SQLite schema: DDL, schema version and the application id that marks the file.

`PRAGMA application_id` is a 32-bit integer in the database header. Setting it to a fixed value
lets riskscope tell its own files from any other SQLite database before touching them, so a
foreign database named `riskscope.sqlite` is refused instead of being altered.
"""

from __future__ import annotations

DB_FILENAME = "riskscope.sqlite"

#: b"RSKS" read as a big-endian 32-bit integer.
APPLICATION_ID = 0x52534B53

#: Bump when the DDL changes; a store with a higher version is refused (written by a newer
#: riskscope), a lower one would be migrated.
SCHEMA_VERSION = 1

#: Seconds a writer waits for another process's write lock before giving up.
BUSY_TIMEOUT_S = 30.0

TRIAL_STATUSES = ("pending", "done", "diverged", "failed")
#: A finished trial is never trained again; a failed one is retried.
FINISHED_STATUSES = ("done", "diverged")
RECORD_STATUSES = ("done", "diverged", "failed")
RUN_STATUSES = ("created", "running", "done", "interrupted", "failed")

#: The tables riskscope creates, used to check that a file is one of ours.
TABLES = ("meta", "runs", "trials", "run_trials", "metrics", "artifacts")

#: Tables added after schema version 1 without a version bump: additive (older riskscopes
#: ignore them), created with IF NOT EXISTS whenever a store is opened for writing.
#: `claims`: which process is computing which trial, so concurrent runners split the work
#: (see `riskscope.store.claims`).
ADDITIVE_DDL = (
    """CREATE TABLE IF NOT EXISTS claims (
        trial_hash TEXT PRIMARY KEY,
        owner      TEXT NOT NULL,
        host       TEXT NOT NULL,
        pid        INTEGER NOT NULL,
        run_id     TEXT,
        claimed_at REAL NOT NULL
    ) WITHOUT ROWID""",
)

DDL = (
    """CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID""",
    f"""CREATE TABLE runs (
        run_id     TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        study      TEXT NOT NULL,
        preset     TEXT,
        spec_json  TEXT NOT NULL,
        spec_hash  TEXT NOT NULL,
        status     TEXT NOT NULL CHECK (status IN {RUN_STATUSES}),
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        info_json  TEXT NOT NULL DEFAULT '{{}}'
    )""",
    "CREATE INDEX runs_by_name ON runs (name, created_at)",
    f"""CREATE TABLE trials (
        trial_hash       TEXT PRIMARY KEY,
        params_json      TEXT NOT NULL,
        status           TEXT NOT NULL CHECK (status IN {TRIAL_STATUSES}),
        source_run       TEXT REFERENCES runs (run_id),
        group_id         TEXT,
        started_at       REAL,
        finished_at      REAL,
        environment_json TEXT,
        result_json      TEXT,
        error            TEXT,
        attempts         INTEGER NOT NULL DEFAULT 0,
        registered_at    REAL NOT NULL
    )""",
    """CREATE TABLE run_trials (
        run_id     TEXT NOT NULL REFERENCES runs (run_id),
        trial_hash TEXT NOT NULL REFERENCES trials (trial_hash),
        position   INTEGER NOT NULL,
        PRIMARY KEY (run_id, trial_hash)
    ) WITHOUT ROWID""",
    "CREATE INDEX run_trials_by_trial ON run_trials (trial_hash)",
    # value NULL encodes NaN: SQLite turns a bound NaN into NULL, so the reader maps it back.
    """CREATE TABLE metrics (
        trial_hash TEXT NOT NULL REFERENCES trials (trial_hash),
        name       TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        step       INTEGER NOT NULL,
        value      REAL,
        PRIMARY KEY (trial_hash, name, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE artifacts (
        trial_hash TEXT NOT NULL REFERENCES trials (trial_hash),
        name       TEXT NOT NULL,
        relpath    TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        nbytes     INTEGER NOT NULL,
        PRIMARY KEY (trial_hash, name)
    ) WITHOUT ROWID""",
)

#: The columns each table must have; a store missing one is reported as damaged when opened
#: (rather than failing later on a query with SQLite's "no such column").
REQUIRED_COLUMNS = {
    "meta": ("key", "value"),
    "runs": ("run_id", "name", "study", "preset", "spec_json", "spec_hash", "status",
             "created_at", "updated_at", "info_json"),
    "trials": ("trial_hash", "params_json", "status", "source_run", "group_id", "started_at",
               "finished_at", "environment_json", "result_json", "error", "attempts",
               "registered_at"),
    "run_trials": ("run_id", "trial_hash", "position"),
    "metrics": ("trial_hash", "name", "seq", "step", "value"),
    "artifacts": ("trial_hash", "name", "relpath", "sha256", "nbytes"),
}
