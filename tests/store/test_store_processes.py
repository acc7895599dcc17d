"""Several processes: concurrent writers commit each trial exactly once; a SIGKILLed writer
leaves no partial trial, and the store resumes."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from riskscope.store import Store
from tests.store import store_helpers
from tests.store.store_helpers import N_STEPS, RUN_ID, make_record, setup_run, trial_hash

HELPERS = Path(store_helpers.__file__)
needs_sigkill = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _check_whole_trials(store: Store, n_steps: int, artifacts: bool = True) -> Counter:
    """Every trial has all of its metric points and its artifact, or none; returns statuses."""
    assert store.integrity_check() == []
    trials = store.trials(RUN_ID).set_index("trial_hash")
    counts = store.metrics(RUN_ID).groupby("trial_hash").size()
    for th, status in trials["status"].items():
        finished = status == "done"
        assert counts.get(th, 0) == (2 * n_steps if finished else 0), (th, status)
        assert store.artifact_names(th) == (["weights"] if finished and artifacts else [])
        if finished and artifacts:
            store.load_artifact(th, "weights")
    return Counter(trials["status"])


def test_two_processes_commit_each_trial_exactly_once(tmp_path):
    with Store(tmp_path) as store:
        store.create_run(RUN_ID, "demo", "study", None, {}, "spec-hash")
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    sets = [list(range(0, 30)), list(range(39, 9, -1))]  # 20 trials wanted by both
    workers = [
        ctx.Process(target=store_helpers.commit_worker, args=(str(tmp_path), s, barrier, results))
        for s in sets
    ]
    for worker in workers:
        worker.start()
    committed = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert sum(committed) == 40
    with Store(tmp_path) as store:
        assert _check_whole_trials(store, N_STEPS, artifacts=False) == {"done": 40}
        assert store.runs()["n_finished"].tolist() == [40]


def _start(command: str, directory: Path, *numbers: int, **kwargs) -> subprocess.Popen:
    args = [sys.executable, str(HELPERS), command, str(directory), *map(str, numbers)]
    return subprocess.Popen(args, text=True, **kwargs)


@needs_sigkill
def test_sigkill_leaves_whole_trials_or_none(tmp_path):
    """Two children at once (to share their start-up time): one kills itself inside the 4th
    commit, after its rows are written but before COMMIT; the other is killed from outside at
    an arbitrary moment while committing big trials."""
    exact, arbitrary, n_big, big_steps = tmp_path / "exact", tmp_path / "arbitrary", 50, 20_000
    for directory, n in ((exact, 6), (arbitrary, n_big)):
        with Store(directory) as store:
            setup_run(store, n)
    inside = _start("kill-mid-commit", exact, 4, 6, stderr=subprocess.PIPE)
    outside = _start("commit-forever", arbitrary, n_big, stdout=subprocess.PIPE)
    try:
        for _ in range(2):
            assert outside.stdout.readline().startswith("committed")
        time.sleep(0.013)  # land somewhere in a later commit
    finally:
        outside.kill()
        outside.wait(timeout=30)
        outside.stdout.close()
    _, stderr = inside.communicate(timeout=60)
    assert inside.returncode == -signal.SIGKILL, stderr

    with Store(exact) as store:
        assert _check_whole_trials(store, N_STEPS) == {"done": 3, "pending": 3}
        assert store.finished_trials([trial_hash(i) for i in range(6)]) == {
            trial_hash(i) for i in range(3)
        }
        # resuming commits the rest; the unreferenced file left by the kill is overwritten
        assert store.commit_trials(make_record(i) for i in range(6)) == 3
        assert _check_whole_trials(store, N_STEPS) == {"done": 6}
    with Store(arbitrary) as store:
        statuses = _check_whole_trials(store, big_steps, artifacts=False)
    assert statuses["done"] >= 2 and statuses["done"] + statuses["pending"] == n_big
