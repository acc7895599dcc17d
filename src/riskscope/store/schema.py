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
#: riskscope), a lower one is migrated on open (`MIGRATIONS`, additive only).
#: 1: runs, trials, run_trials, metrics, artifacts.
#: 2: + bundles, trial_variants, variant_sources (imported bundles and the provenance of every
#:    result a trial hash has been given; the version 1 tables keep their meaning).
SCHEMA_VERSION = 2

#: Seconds a writer waits for another process's write lock before giving up.
BUSY_TIMEOUT_S = 30.0

TRIAL_STATUSES = ("pending", "done", "diverged", "failed")
#: A finished trial is never trained again; a failed one is retried.
FINISHED_STATUSES = ("done", "diverged")
RECORD_STATUSES = ("done", "diverged", "failed")
RUN_STATUSES = ("created", "running", "done", "interrupted", "failed")

#: The tables riskscope creates, used to check that a file is one of ours.
TABLES = ("meta", "runs", "trials", "run_trials", "metrics", "artifacts", "bundles",
          "trial_variants", "variant_sources")

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

DDL_V1 = (
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

#: Version 2: provenance of imported results. `trials` keeps one primary result per trial hash
#: (the first one the store got, locally or from a bundle); every result a bundle brought is a
#: row of `trial_variants` (content-addressed by `variant_id`, a sha256 over its status, results,
#: series and artifact hashes; `is_primary` marks the one `trials` holds), and each bundle that
#: brought it is a row of `variant_sources`. A result differing from the primary is kept there
#: beside it, never written over it.
DDL_V2 = (
    """CREATE TABLE bundles (
        digest            TEXT PRIMARY KEY,
        run_id            TEXT NOT NULL REFERENCES runs (run_id),
        format            INTEGER NOT NULL,
        author            TEXT,
        note              TEXT,
        riskscope_version TEXT,
        code_fingerprint  TEXT,
        imported_at       REAL NOT NULL,
        meta_json         TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE trial_variants (
        trial_hash       TEXT NOT NULL REFERENCES trials (trial_hash),
        variant_id       TEXT NOT NULL,
        status           TEXT NOT NULL,
        is_primary       INTEGER NOT NULL CHECK (is_primary IN (0, 1)),
        result_json      TEXT,
        environment_json TEXT,
        metrics_json     TEXT,
        artifacts_json   TEXT,
        PRIMARY KEY (trial_hash, variant_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE variant_sources (
        trial_hash    TEXT NOT NULL,
        variant_id    TEXT NOT NULL,
        bundle_digest TEXT NOT NULL REFERENCES bundles (digest),
        author        TEXT,
        machine       TEXT,
        code_version  TEXT,
        PRIMARY KEY (trial_hash, variant_id, bundle_digest),
        FOREIGN KEY (trial_hash, variant_id) REFERENCES trial_variants (trial_hash, variant_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX variant_sources_by_bundle ON variant_sources (bundle_digest)",
)

#: schema version v -> the statements that take a store from v to v + 1.
MIGRATIONS = {1: DDL_V2}

#: The schema a new store gets: every version's tables.
DDL = DDL_V1 + DDL_V2

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
