"""The Ray executor against a real local Ray instance (2 CPUs, one per test module).

Same results as the local executor bit for bit on the CPU; a worker killed mid-job is retried
by Ray and nothing is duplicated; a job whose worker keeps dying is recorded as failed with its
error while the other jobs finish; each trial records the worker process that ran it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3

import pytest

from riskscope.store import Store
from riskscope.store.schema import DB_FILENAME
from riskscope.studies import LocalExecutor, load_spec, run_study
from riskscope.studies.runner import ProgressSink

from .conftest import tiny_spec

ray = pytest.importorskip("ray")
from riskscope.studies.ray_executor import RayExecutor  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False,
             _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


def _spec(steps: int = 30, **over):
    spec = tiny_spec(grid={"model.width": [4, 8], "training.lr": [0.05, 0.02]}, **over)
    spec["training"] = {**spec["training"], "steps": steps}
    return load_spec(spec)


def _snapshot(store: Store, run_id: str) -> dict:
    """Everything a trial computed (wall times aside): results, metric series, artifacts
    (bytes compared)."""
    trials = store.trials(run_id)
    out = {}
    for th in trials["trial_hash"]:
        record = store.load_record(th)
        result = {k: v for k, v in record.result.items() if not k.endswith("wall_s")}
        out[th] = (record.status, json.dumps(result, sort_keys=True),
                   {k: (list(s), list(v)) for k, (s, v) in record.metrics.items()},
                   {name: {k: t.numpy().tobytes() for k, t in tensors.items()}
                    for name, tensors in record.artifacts.items()})
    return out


def _attempts(directory) -> list[int]:
    with sqlite3.connect(directory / DB_FILENAME) as conn:
        return [r[0] for r in conn.execute("SELECT attempts FROM trials")]


def test_ray_gives_the_local_executors_results_bit_for_bit(tmp_path):
    spec = _spec()
    with Store(tmp_path / "local") as store:
        local = run_study(spec, store, device="cpu", executor=LocalExecutor())
        expected = _snapshot(store, local.run_id)
    with Store(tmp_path / "ray") as store:
        executor = RayExecutor(max_retries=1)
        summary = run_study(spec, store, device="cpu", executor=executor)
        assert (summary.finished, summary.failed) == (8, 0)
        got = _snapshot(store, summary.run_id)
        envs = [store.environment(th) for th in got]
    assert len(got) == 8 and got == expected
    # each trial records the worker process that ran it, and its code fingerprint
    assert all(env["pid"] != os.getpid() for env in envs)
    assert all(env["torch_threads"] == 1 and env["code"]["source_sha256"] for env in envs)


class _KillFirstWorker(ProgressSink):
    """When the first steps come in, SIGKILL the worker process running a job (once)."""

    def __init__(self, executor: RayExecutor):
        self.executor = executor
        self.killed: list[int] = []
        self.steps = 0

    def advance(self, n: int) -> None:
        self.steps += n
        if self.killed:
            return
        running = self.executor.running_workers()
        if running:
            pid = sorted(running.values())[0]
            os.kill(pid, signal.SIGKILL)
            self.killed.append(pid)


def test_a_killed_worker_is_retried_and_nothing_is_duplicated(tmp_path):
    spec = _spec(steps=12000)
    with Store(tmp_path / "local") as store:
        expected = _snapshot(store, run_study(spec, store, device="cpu").run_id)
    with Store(tmp_path / "ray") as store:
        executor = RayExecutor(max_retries=2)
        sink = _KillFirstWorker(executor)
        summary = run_study(spec, store, device="cpu", executor=executor, progress=sink)
        assert sink.killed, "no worker was seen running"
        assert (summary.finished, summary.failed) == (8, 0)
        trials = store.trials(summary.run_id)
        assert trials["trial_hash"].is_unique and len(trials) == 8
        assert store.integrity_check() == []
        got = _snapshot(store, summary.run_id)
    assert _attempts(tmp_path / "ray") == [1] * 8  # each trial committed exactly once
    assert got == expected  # the retried job computed the same numbers


def test_a_job_that_keeps_failing_is_recorded_failed_and_the_rest_finish(tmp_path):
    spec = _spec(steps=12000)
    with Store(tmp_path) as store:
        executor = RayExecutor(max_retries=0)
        sink = _KillFirstWorker(executor)
        summary = run_study(spec, store, device="cpu", executor=executor, progress=sink)
        assert sink.killed
        trials = store.trials(summary.run_id)
        failed = trials[trials["status"] == "failed"]
        assert summary.failed == len(failed) >= 1
        assert summary.finished == 8 - len(failed) >= 4
        assert all("retries" in e and "Worker" in e for e in failed["error"])
        assert store.run(summary.run_id)["status"] == "failed"
    # rerunning retries the failed trials only
    with Store(tmp_path) as store:
        again = run_study(spec, store, device="cpu", executor=RayExecutor())
        assert (again.skipped, again.finished, again.failed) == (8 - len(failed), len(failed), 0)


def test_device_auto_on_a_cluster_without_gpus_is_the_cpu():
    executor = RayExecutor()
    assert executor.resolve_device("auto") == "cpu"
    assert executor.capacity("cpu") == 2
    with pytest.raises(Exception, match="no GPU"):
        executor.resolve_device("cuda")


def test_parameters_are_checked():
    with pytest.raises(Exception, match="cpus_per_job"):
        RayExecutor(cpus_per_job=0)
