"""Opening the store's SQLite file safely, and write transactions.

Opening checks before it changes anything: a file that does not start with the SQLite header,
an SQLite file with another application id or with tables of its own, and a store written by a
newer riskscope are all refused with a StoreError, and the file is left byte-for-byte as it was.
Only an absent or empty file is initialized. Every write runs in `BEGIN IMMEDIATE`, which takes
the database's single write lock up front (waiting up to `BUSY_TIMEOUT_S` for another process),
so concurrent writers serialize instead of failing half-way or deadlocking on lock upgrades.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from riskscope.core.errors import StoreError
from riskscope.store.schema import (
    APPLICATION_ID,
    BUSY_TIMEOUT_S,
    DDL,
    MIGRATIONS,
    SCHEMA_VERSION,
)

SQLITE_HEADER = b"SQLite format 3\x00"


def _not_ours(path: Path, why: str) -> StoreError:
    return StoreError(
        f"{path} belongs to something else ({why}); riskscope will not modify it. "
        "Use another results directory."
    )


def _check_header(path: Path) -> None:
    """Refuse a non-empty file that is not an SQLite database, without opening it with SQLite."""
    with open(path, "rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    if head and head != SQLITE_HEADER:
        raise StoreError(
            f"{path} is not a riskscope store (not an SQLite database); it was left unchanged"
        )


def _inspect(conn: sqlite3.Connection, path: Path) -> str:
    """'ours' or 'empty'; StoreError for anyone else's database. Reads only.

    Both reads happen in one read transaction (one snapshot): otherwise a store being created
    by another process at that moment could show its tables but not yet its application id.
    """
    own_transaction = not conn.in_transaction
    if own_transaction:
        conn.execute("BEGIN")
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    finally:
        if own_transaction and conn.in_transaction:
            conn.execute("COMMIT")
    if app_id == APPLICATION_ID:
        return "ours"
    if app_id != 0:
        why = f"SQLite application_id {app_id:#x}, riskscope's is {APPLICATION_ID:#x}"
        raise _not_ours(path, why)
    if tables:
        shown = ", ".join(sorted(tables)[:8])
        raise _not_ours(path, f"an SQLite database with tables {shown} and no riskscope mark")
    return "empty"


def _initialize(conn: sqlite3.Connection, path: Path) -> None:
    """Create the schema in one transaction; a concurrent initializer makes this a no-op."""
    with write_transaction(conn):
        if _inspect(conn, path) == "ours":
            return
        for statement in DDL:
            conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("schema_version", str(SCHEMA_VERSION)), ("created_at", repr(time.time()))],
        )


def _schema_version(conn: sqlite3.Connection, path: Path) -> int:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError as exc:
        raise StoreError(f"{path} is a damaged riskscope store (no meta table): {exc}") from exc
    if row is None:
        raise StoreError(f"{path} is a damaged riskscope store (no schema version recorded)")
    return int(row[0])


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a newer store; migrate an older one, one version per transaction (additive DDL,
    so a store opened by an older riskscope afterwards is refused as newer, never damaged)."""
    version = _schema_version(conn, path)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has store schema version {version}, newer than this riskscope's "
            f"{SCHEMA_VERSION}; upgrade riskscope to read it (the file was left unchanged)"
        )
    while version < SCHEMA_VERSION:
        if version not in MIGRATIONS:
            raise StoreError(f"{path} has store schema version {version}; no migration is known")
        with write_transaction(conn):
            if _schema_version(conn, path) == version:  # another process may have migrated
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                             (str(version + 1),))
        version = _schema_version(conn, path)


def _ensure_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL (persistent in the file); retry while another process holds a lock."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("database is locked: could not switch to WAL mode")
        with suppress(sqlite3.OperationalError):
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() == "wal":
                return
        time.sleep(0.05)


def open_connection(path: Path, create: bool) -> sqlite3.Connection:
    """Open (and if allowed and needed, initialize) the store database at `path`."""
    exists = path.exists()
    if exists:
        _check_header(path)
    elif not create:
        raise StoreError(f"no riskscope store at {path.parent}: {path.name} does not exist")
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if _inspect(conn, path) == "empty":
            if not create:
                raise StoreError(f"no riskscope store at {path.parent}: {path.name} is empty")
            _initialize(conn, path)
        _check_version(conn, path)
        _ensure_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(
            f"{path} is not a riskscope store (not an SQLite database, or a damaged one): {exc}"
        ) from exc
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (including KeyboardInterrupt)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
