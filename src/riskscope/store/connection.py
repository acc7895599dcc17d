"""Opening the store's SQLite file safely, and write transactions.

Opening checks before it changes anything: a file that does not start with the SQLite header,
an SQLite file with another application id or with tables of its own, and a store written by a
newer riskscope are all refused with a StoreError, and the file is left byte-for-byte as it was.
Only an absent or empty file is initialized. Every write runs in `BEGIN IMMEDIATE`, which takes
the database's single write lock up front (waiting up to `BUSY_TIMEOUT_S` for another process),
so concurrent writers serialize instead of failing half-way or deadlocking on lock upgrades.

Damage is named, not left to a traceback: a directory where the database file should be, a
schema version that is not an integer, a table missing one of its columns. A store on read-only
media (a mounted snapshot, a read-only share) is opened read-only and immutable, so `show`,
`report` and `ls` work there; writing to it fails with a message saying it is read-only.
"""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from riskscope.core.errors import StoreError
from riskscope.store.schema import (
    ADDITIVE_DDL,
    APPLICATION_ID,
    BUSY_TIMEOUT_S,
    DDL,
    MIGRATIONS,
    REQUIRED_COLUMNS,
    SCHEMA_VERSION,
)

SQLITE_HEADER = b"SQLite format 3\x00"


def _not_ours(path: Path, why: str) -> StoreError:
    return StoreError(
        f"{path} belongs to something else ({why}); riskscope will not modify it. "
        "Use another results directory."
    )


def damaged(path: Path, what: str) -> StoreError:
    return StoreError(f"{path} is a damaged riskscope store: {what}")


def _check_header(path: Path) -> None:
    """Refuse a non-empty file that is not an SQLite database, without opening it with SQLite."""
    if path.is_dir():
        raise damaged(path, "it is a directory, where the database file should be")
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{path} cannot be read: {exc.strerror or exc}") from exc
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
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise damaged(path, f"its schema version {row[0]!r} is not an integer") from None


def _check_version(conn: sqlite3.Connection, path: Path, read_only: bool = False) -> None:
    """Refuse a newer store; migrate an older one, one version per transaction (additive DDL,
    so a store opened by an older riskscope afterwards is refused as newer, never damaged).
    A read-only store is read as it is: the later versions only add tables."""
    version = _schema_version(conn, path)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has store schema version {version}, newer than this riskscope's "
            f"{SCHEMA_VERSION}; upgrade riskscope to read it (the file was left unchanged)"
        )
    if read_only:
        return
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


def _check_columns(conn: sqlite3.Connection, path: Path) -> None:
    """Every table riskscope reads has all of its columns (a dropped one is damage)."""
    for table, required in REQUIRED_COLUMNS.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if not have:
            raise damaged(path, f"the table {table!r} is missing")
        missing = [c for c in required if c not in have]
        if missing:
            raise damaged(path, f"the table {table!r} lacks the column(s) {', '.join(missing)}")


def _add_additive_tables(conn: sqlite3.Connection) -> None:
    """Create the tables added after version 1 (IF NOT EXISTS) when a store lacks them."""
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if all(statement.split()[5] in names for statement in ADDITIVE_DDL):
        return
    with write_transaction(conn):
        for statement in ADDITIVE_DDL:
            conn.execute(statement)


def on_read_only_media(path: Path) -> bool:
    """True when the file system holding `path`'s directory is mounted read-only."""
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def cannot_write(path: Path) -> bool:
    """The store file at `path` can only be read here (read-only media or no permission)."""
    return on_read_only_media(path) or not os.access(path.parent, os.W_OK) or not os.access(
        path, os.W_OK)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to a store this process cannot write. On read-only media
    `immutable=1` tells SQLite that nobody can change the file (true there), so it needs no
    -shm/-wal files; elsewhere (a directory we lack write permission for) plain `mode=ro`."""
    flags = "mode=ro&immutable=1" if on_read_only_media(path) else "mode=ro"
    uri = f"file:{urllib.parse.quote(str(path))}?{flags}"
    return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)


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
    """Open (and if allowed and needed, initialize) the store database at `path`.

    On read-only media the connection is read-only (see `on_read_only_media`).
    """
    exists = path.exists()
    if exists:
        _check_header(path)
    elif not create:
        raise StoreError(f"no riskscope store at {path.parent}: {path.name} does not exist")
    read_only = exists and cannot_write(path)
    if read_only:
        conn = _connect_read_only(path)
    else:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if _inspect(conn, path) == "empty":
            if not create:
                raise StoreError(f"no riskscope store at {path.parent}: {path.name} is empty")
            _initialize(conn, path)
        _check_version(conn, path, read_only)
        _check_columns(conn, path)
        if not read_only:
            _ensure_wal(conn)
            _add_additive_tables(conn)
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
