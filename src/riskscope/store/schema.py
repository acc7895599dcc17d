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
