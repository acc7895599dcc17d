"""Fault injection with the real program: SIGKILL at random points of a run, two processes
writing one store, a full disk, a read-only results directory. After each: the store passes
SQLite's integrity check, no trial is duplicated or half-written, finished trials are kept as
they were, and rerunning completes the study."""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import time

import pytest

from riskscope.store import Store
from riskscope.store.schema import DB_FILENAME
from tests.conftest import NIGHTLY

from .conftest import N_TRIALS, riskscope

pytestmark = pytest.mark.slow


def _rows(directory, sql: str) -> list[tuple]:
    conn = sqlite3.connect(directory / DB_FILENAME)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _check_consistent(directory) -> dict[str, tuple]:
    """Integrity, no duplicates, whole trials only; returns finished trial -> (result, time)."""
    with Store(directory) as store:
        assert store.integrity_check() == []
        finished = {}
        for th, status, result, finished_at, attempts in _rows(
                directory, "SELECT trial_hash, status, result_json, finished_at, attempts "
                "FROM trials"):
            metrics = _rows(directory, f"SELECT COUNT(*) FROM metrics WHERE trial_hash='{th}'")
            if status in ("done", "diverged"):
                assert attempts == 1  # committed exactly once
                assert metrics[0][0] > 0
                assert store.load_artifact(th, "parameters")  # file present, sha256 matches
                finished[th] = (result, finished_at)
            else:  # a pending trial has nothing half-written
                assert status == "pending" and metrics[0][0] == 0
                assert store.artifact_names(th) == []
    leftovers = list((directory / "artifacts").rglob("*.tmp")) if (directory / "artifacts"
                                                                  ).exists() else []
    assert leftovers == [] or all(p.stat().st_size >= 0 for p in leftovers)  # never referenced
    return finished


def _wait_for_first_commit(directory, proc, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if (directory / DB_FILENAME).exists():
            try:
                if _rows(directory, "SELECT COUNT(*) FROM trials WHERE status = 'done'")[0][0]:
                    return
            except sqlite3.Error:
                pass
        time.sleep(0.05)


@pytest.mark.parametrize("seed", range(24 if NIGHTLY else 2))
def test_sigkill_at_a_random_point_then_rerun_completes(tmp_path, spec_file, seed):
    rng = random.Random(seed)
    spec, out = spec_file(steps=600), tmp_path / "results"
    proc = riskscope("run", spec, "--out", str(out), "--no-report")
    _wait_for_first_commit(out, proc)
    time.sleep(rng.uniform(0.0, 1.0))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read()
    before = _check_consistent(out)
    with Store(out) as store:
        status = store.runs().iloc[0]["status"]
    assert status in ("interrupted", "done")  # never "running" once its process is gone
    assert status == "done" or len(before) < N_TRIALS
    rerun = riskscope("run", spec, "--out", str(out), "--no-report")
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    after = _check_consistent(out)
    assert len(after) == N_TRIALS
    assert {th: after[th] for th in before} == before  # finished trials kept as they were
    with Store(out) as store:
        assert store.runs().iloc[0]["status"] == "done"


def test_two_processes_split_one_study_and_report_what_each_committed(tmp_path, spec_file):
    spec, out = spec_file(steps=1500), tmp_path / "results"
    procs = [riskscope("run", spec, "--out", str(out), "--no-report") for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    committed = []
    for stdout, _ in outputs:
        text = " ".join(stdout.split())
        committed.append(int(re.search(r"(\d+) finished now", text).group(1)))
    print(f"committed by each process: {committed}")
    assert sum(committed) == N_TRIALS  # each trial trained once, by one of them
    finished = _check_consistent(out)
    assert len(finished) == N_TRIALS
    with Store(out) as store:
        assert store.runs().iloc[0]["status"] == "done"
        groups = _rows(out, "SELECT DISTINCT t.group_id FROM trials t")
        assert len(groups) >= 6


def test_a_full_disk_is_a_clear_error_and_nothing_is_half_written(tmp_path, spec_file, tmpfs):
    disk = tmpfs("4m")
    out = disk / "results"
    filler = disk / "filler"
    with open(filler, "wb") as handle:  # fill the disk, then leave room for a few commits
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    with open(filler, "r+b") as handle:
        handle.truncate(max(filler.stat().st_size - 160 * 1024, 0))
    proc = riskscope("run", spec_file(steps=50), "--out", str(out), "--no-report")
    _, err = proc.communicate(timeout=300)
    if proc.returncode == 0:
        pytest.skip("the whole run fitted in the space left")
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert "full" in err or "No space left" in err, err
    filler.unlink()
    before = _check_consistent(out) if (out / DB_FILENAME).exists() else {}
    rerun = riskscope("run", spec_file(steps=50), "--out", str(out), "--no-report")
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    after = _check_consistent(out)
    assert len(after) == N_TRIALS and {th: after[th] for th in before} == before


def test_a_read_only_results_directory_is_a_clear_error(tmp_path, spec_file, tmpfs):
    disk = tmpfs("1m")
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    proc = riskscope("run", spec_file(), "--out", str(disk / "results"), "--no-report")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2 and "Traceback" not in err
    assert "Read-only file system" in err and str(disk / "results") in err
    assert list(disk.iterdir()) == []


def test_ctrl_c_during_start_up_exits_130_without_traceback(tmp_path):
    proc = riskscope("run", "train", "--preset", "smoke", "--dry-run")
    time.sleep(0.5)  # the imports (torch, the studies) take seconds
    if proc.poll() is not None:
        pytest.skip("the program started too fast to interrupt it during start-up")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
