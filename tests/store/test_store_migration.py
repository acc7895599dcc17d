"""Schema version 2 is additive: a version-1 store is migrated on open, its data untouched."""

from __future__ import annotations

import sqlite3

from riskscope.store import Store
from riskscope.store.schema import APPLICATION_ID, DDL_V1, SCHEMA_VERSION, TABLES


def _v1_store(directory):
    directory.mkdir()
    conn = sqlite3.connect(directory / "riskscope.sqlite")
    for statement in DDL_V1:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute("""INSERT INTO runs (run_id, name, study, preset, spec_json, spec_hash, status,
                    created_at, updated_at) VALUES ('r', 'r', 'train', NULL, '{}', ?, 'done',
                    1.0, 2.0)""", ("a" * 64,))
    conn.commit()
    conn.close()


def test_version_1_store_is_migrated_on_open(tmp_path):
    _v1_store(tmp_path / "old")
    with Store(tmp_path / "old") as store:
        assert store.run("r")["updated_at"] == 2.0
        assert store.imported_bundles() == []
        assert store.integrity_check() == []
    conn = sqlite3.connect(tmp_path / "old" / "riskscope.sqlite")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    conn.close()
    assert set(TABLES) <= tables and int(version) == SCHEMA_VERSION == 2
    with Store(tmp_path / "old") as store:  # opening again is a no-op
        assert store.run("r")["status"] == "done"


def test_new_store_has_every_table(tmp_path):
    Store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "riskscope.sqlite")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert set(TABLES) <= tables
