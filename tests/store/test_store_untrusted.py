"""Stores from others or damaged ones: riskscope never touches a file outside the store, names
the damage (exit 2, not a traceback), reads healthy stores on read-only media, writes only
valid JSON, and notices a results directory that vanished mid-run."""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import subprocess

import pytest

from riskscope.core.errors import StoreError
from riskscope.store import Store
from riskscope.store.schema import DB_FILENAME
from tests.cli_runner import run_cli

from .store_helpers import RUN_ID, make_record, setup_run, trial_hash


def _store_with_trials(directory, n: int = 2, artifacts: bool = True) -> None:
    with Store(directory) as store:
        setup_run(store, n)
        for i in range(n):
            store.commit_trial(make_record(i, artifacts=artifacts))


def _sql(directory, statement: str, *args) -> None:
    conn = sqlite3.connect(directory / DB_FILENAME)
    with conn:
        conn.execute(statement, args)
    conn.close()


def test_crafted_artifact_path_is_never_deleted_on_retry(tmp_path):
    store_dir, victim = tmp_path / "store", tmp_path / "victim.txt"
    victim.write_text("precious")
    _store_with_trials(store_dir, 1)
    # a crafted store: the trial failed (so it is retried) and its artifact points outside
    _sql(store_dir, "UPDATE trials SET status = 'failed'")
    _sql(store_dir, "UPDATE artifacts SET relpath = '../victim.txt'")
    with Store(store_dir) as store:
        assert store.commit_trial(make_record(0, artifacts=False))
        assert store.artifact_names(trial_hash(0)) == []
    assert victim.read_text() == "precious"


@pytest.mark.parametrize("relpath", ["../victim.txt", "/etc/hostname",
                                     "artifacts/../../victim.txt", "artifacts"])
def test_crafted_artifact_path_is_never_read(tmp_path, relpath):
    store_dir = tmp_path / "store"
    (tmp_path / "victim.txt").write_text("secret")
    _store_with_trials(store_dir, 1)
    _sql(store_dir, "UPDATE artifacts SET relpath = ?", relpath)
    with Store(store_dir) as store, pytest.raises(StoreError, match=r"outside|invalid"):
        store.load_artifact(trial_hash(0), "weights")


def test_symlink_out_of_the_store_is_refused(tmp_path):
    store_dir, outside = tmp_path / "store", tmp_path / "outside"
    outside.mkdir()
    _store_with_trials(store_dir, 1)
    artifact_dir = store_dir / "artifacts" / trial_hash(0)
    for f in artifact_dir.iterdir():
        shutil.move(f, outside / f.name)
    artifact_dir.rmdir()
    artifact_dir.symlink_to(outside)
    with Store(store_dir) as store, pytest.raises(StoreError, match="outside"):
        store.load_artifact(trial_hash(0), "weights")


def _damage_message(tmp_path, capsys, damage) -> str:
    store_dir = tmp_path / "store"
    _store_with_trials(store_dir, 2, artifacts=False)
    damage(store_dir)
    code, out, err = run_cli(["show", RUN_ID, "--out", str(store_dir)], capsys)
    assert code == 2, (out, err)
    assert "Traceback" not in err and str(store_dir) in err
    return err


def test_non_integer_schema_version_is_named(tmp_path, capsys):
    err = _damage_message(tmp_path, capsys, lambda d: _sql(
        d, "UPDATE meta SET value = 'one' WHERE key = 'schema_version'"))
    assert "damaged" in err and "'one' is not an integer" in err


def test_dropped_column_is_named(tmp_path, capsys):
    err = _damage_message(tmp_path, capsys, lambda d: _sql(
        d, "ALTER TABLE trials DROP COLUMN error"))
    assert "damaged" in err and "lacks the column(s) error" in err


def test_invalid_json_in_a_row_is_named(tmp_path, capsys):
    err = _damage_message(tmp_path, capsys, lambda d: _sql(
        d, "UPDATE trials SET result_json = '{\"risk\": 0.5,' WHERE rowid = 1"))
    assert "damaged" in err and "invalid JSON" in err and "result of trial" in err


def test_directory_in_place_of_the_database_is_named(tmp_path, capsys):
    (tmp_path / DB_FILENAME).mkdir()
    code, _, err = run_cli(["ls", "--out", str(tmp_path)], capsys)
    assert code == 2 and "Traceback" not in err
    assert "damaged" in err and "is a directory" in err


def test_results_are_valid_json_and_non_finite_values_round_trip(tmp_path):
    _store_with_trials(tmp_path, 2, artifacts=False)
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    rows = conn.execute(
        """SELECT json_valid(result_json), json_valid(params_json), json_valid(environment_json),
                  json_extract(result_json, '$.gap'), json_type(result_json, '$.gap'),
                  json_extract(result_json, '$.risk') FROM trials""").fetchall()
    runs = conn.execute("SELECT json_valid(spec_json), json_valid(info_json) FROM runs").fetchall()
    conn.close()
    assert all(r[:3] == (1, 1, 1) and r[3] is None and r[4] == "null" for r in rows)
    assert {r[5] for r in rows} == {1.0, 0.5}
    assert all(r == (1, 1) for r in runs)
    with Store(tmp_path) as store:
        result = store.load_record(trial_hash(0), with_artifacts=False).result
        assert math.isnan(result["gap"]) and result["bound"] == math.inf
        frame = store.trials(RUN_ID)
        assert frame["result.gap"].isna().all() and (frame["result.bound"] == math.inf).all()


def test_old_rows_with_bare_nan_tokens_are_still_read(tmp_path):
    _store_with_trials(tmp_path, 1, artifacts=False)
    _sql(tmp_path, "UPDATE trials SET result_json = '{\"gap\":NaN,\"risk\":1.0}'")
    with Store(tmp_path) as store:
        assert math.isnan(store.load_record(trial_hash(0), False).result["gap"])


def test_a_store_deleted_mid_run_stops_the_run(tmp_path):
    from riskscope.studies import load_spec, run_study
    from tests.studies.conftest import tiny_spec

    directory = tmp_path / "results"
    spec = load_spec(tiny_spec(grid={"model.width": [4, 8, 12]}))
    with Store(directory) as store, pytest.raises(StoreError, match="deleted"):
        run_study(spec, store, device="cpu",
                  on_group=lambda summary: shutil.rmtree(directory, ignore_errors=True))


@pytest.fixture
def read_only_mount(tmp_path):
    """A real read-only file system (a tmpfs remounted read-only); skipped without mount
    rights."""
    mount = tmp_path / "media"
    mount.mkdir()
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                        capture_output=True).returncode == 0
    if not ok:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_healthy_store_on_read_only_media_is_readable(read_only_mount, tmp_path, capsys):
    store_dir = read_only_mount / "results"
    code, _, err = run_cli(["run", "train", "--preset", "smoke", "--out", str(store_dir),
                            "--set", "training.steps=10", "--set", "options.risk_samples=200",
                            "--no-report"], capsys)
    assert code == 0, err
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_mount)], check=True)
    code, out, err = run_cli(["ls", "--out", str(store_dir)], capsys)
    assert code == 0 and "train-smoke" in out, err
    code, out, err = run_cli(["show", "train-smoke", "--out", str(store_dir), "--json"], capsys)
    assert code == 0 and json.loads(out)["counts"]["finished"] == 4, err
    code, out, err = run_cli(["report", "train-smoke", "--out", str(store_dir),
                              "--to", str(tmp_path / "report")], capsys)
    assert code == 0 and (tmp_path / "report" / "index.html").exists(), err
    # writing is refused with a clear message that does not call the store damaged
    code, _, err = run_cli(["run", "train", "--preset", "smoke", "--out", str(store_dir),
                            "--set", "training.steps=11", "--no-report"], capsys)
    assert code == 2 and "Traceback" not in err and "damaged" not in err
    assert "read-only" in err or "Read-only" in err
    code, _, err = run_cli(["report", "train-smoke", "--out", str(store_dir)], capsys)
    assert code == 2 and "Read-only file system" in err
