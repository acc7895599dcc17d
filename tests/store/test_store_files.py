"""Opening: foreign, corrupt and newer files are refused with the path named, and left as they
were; a missing store is created only when allowed."""

from __future__ import annotations

import os
import sqlite3

import pytest

from riskscope.core.errors import StoreError
from riskscope.store import Store
from riskscope.store.schema import DB_FILENAME


def _refused(directory, match: str) -> None:
    db = directory / DB_FILENAME
    before = db.read_bytes()
    with pytest.raises(StoreError, match=match) as info:
        Store(directory)
    assert str(db) in str(info.value)
    assert db.read_bytes() == before
    assert not (directory / f"{DB_FILENAME}-wal").exists()
    assert not (directory / "artifacts").exists()


def test_random_bytes_are_not_a_store(tmp_path):
    (tmp_path / DB_FILENAME).write_bytes(os.urandom(8192))
    _refused(tmp_path, "not a riskscope store.*not an SQLite database")


def test_text_file_is_not_a_store(tmp_path):
    (tmp_path / DB_FILENAME).write_text("id,loss\n1,0.5\n")
    _refused(tmp_path, "not an SQLite database")


def test_damaged_sqlite_file_is_refused(tmp_path):
    (tmp_path / DB_FILENAME).write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    _refused(tmp_path, "not a riskscope store")


def test_foreign_sqlite_database_is_left_alone(tmp_path):
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO users (name) VALUES ('ada')")
    conn.commit()
    conn.close()
    _refused(tmp_path, "belongs to something else.*will not modify")


def test_other_application_id_is_left_alone(tmp_path):
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.execute("PRAGMA application_id = 1234")
    conn.close()
    _refused(tmp_path, "belongs to something else")


def test_newer_schema_is_refused(tmp_path):
    Store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer") as info:
        Store(tmp_path)
    assert str(tmp_path / DB_FILENAME) in str(info.value)


def test_create_false_never_creates(tmp_path):
    with pytest.raises(StoreError, match="no riskscope store"):
        Store(tmp_path / "absent", create=False)
    assert not (tmp_path / "absent").exists()
    with pytest.raises(StoreError, match="no riskscope store"):
        Store(tmp_path, create=False)
    assert not (tmp_path / DB_FILENAME).exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="not a results directory"):
        Store(tmp_path / "file")


def test_store_is_marked_and_in_wal_mode(tmp_path):
    with Store(tmp_path / "new" / "dir") as store:
        conn = sqlite3.connect(store.path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x52534B53
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        conn.close()
    with Store(tmp_path / "new" / "dir", create=False) as store:
        assert store.integrity_check() == []
    with pytest.raises(StoreError, match="closed"):
        store.runs()
