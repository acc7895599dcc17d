"""`RayExecutor`: run a study's groups as Ray tasks on a local instance or a Ray cluster.

Each `GroupJob` becomes one Ray task declaring its resources (`cpus_per_job` CPUs, and one GPU
when the device is CUDA). Jobs are submitted as slots free up (as many in flight as the cluster
can run at once, plus one queued), so the runner claims each group's trials shortly before it
starts.
Finished groups come back through `ray.wait` in completion order and the driver commits each at
once: the store stays on the driver's machine and the driver is its only writer; workers never
touch it. Workers report training steps to a small progress actor that the driver polls, so the
progress bar and ETA cover all workers (a retried attempt's steps are not counted twice).

Faults: a worker process that dies mid-job (killed, out of memory, node lost) makes Ray rerun
the task, up to `max_retries` times; only the attempt that returns is committed, so no trial is
duplicated. A job whose retries run out (or that raises in Ray itself) comes back as failed
trials carrying the error and traceback, and the other jobs finish. Errors inside a study are
already turned into failed trials by `execute_group`; a bad spec (SpecError) is re-raised.

Without an address a local Ray instance is started on this machine's cores, bound to the
loopback address, and stopped when the executor is closed. With `address` ("auto" or
"HOST:PORT") it joins a running cluster (`ray start --head`, see docs/scale-out.md) and leaves
it running. Ray is an optional dependency: `pip install 'riskscope[ray]'`.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator

from riskscope.core.device import resolve_device
from riskscope.core.errors import SpecError
from riskscope.studies.executors import Executor, GroupJob, GroupResult, execute_group
from riskscope.studies.study import TrialOutcome

#: Seconds between the driver's polls of the progress actor (and worker progress flushes).
POLL_S = 0.25


def import_ray():
    """The `ray` module, or a SpecError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise SpecError("--executor", "ray", "local (Ray is not installed in this environment)",
                        "install it with: pip install 'riskscope[ray]'") from None
    return ray


class _ProgressBoard:
    """Ray actor body: steps reported per job and attempt, and which worker runs which job."""

    def __init__(self):
        self.steps: dict[int, dict[int, int]] = {}
        self.running: dict[int, int] = {}

    def begin(self, job: int, pid: int) -> None:
        self.running[job] = pid
        self.steps.setdefault(job, {})[pid] = 0

    def add(self, job: int, pid: int, n: int) -> None:
        attempts = self.steps.setdefault(job, {})
        attempts[pid] = attempts.get(pid, 0) + n

    def end(self, job: int) -> None:
        self.running.pop(job, None)

    def snapshot(self) -> tuple[int, dict[int, int]]:
        """(steps done, counting each job's furthest attempt; job -> worker pid running it)."""
        return sum(max(a.values(), default=0) for a in self.steps.values()), dict(self.running)


def _run_on_worker(job: GroupJob, index: int, board, threads: int) -> GroupResult:
    """The Ray task: run one group in a worker with `threads` torch threads."""
    import torch

    torch.set_num_threads(threads)
    pid = os.getpid()
    board.begin.remote(index, pid)
    pending = [0, time.monotonic()]

    def progress(n: int) -> None:
        pending[0] += n
        if time.monotonic() - pending[1] >= POLL_S:
            board.add.remote(index, pid, pending[0])
            pending[:] = [0, time.monotonic()]

    try:
        return execute_group(job, progress)
    finally:
        if pending[0]:
            board.add.remote(index, pid, pending[0])
        board.end.remote(index)


def _failed_result(job: GroupJob, error: str, started: float) -> GroupResult:
    outcomes = [TrialOutcome(status="failed", result={}, error=error) for _ in job.trials]
    return GroupResult(job, outcomes, started, time.time(), {})


class RayExecutor(Executor):
    """Groups as Ray tasks. address: None (start a local instance on `num_cpus` cores, default
    all of this machine's), "auto" or "HOST:PORT" (join a cluster). cpus_per_job: CPUs each
    job declares and torch threads it uses. max_retries: reruns of a job whose worker died."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None,
                 cpus_per_job: int = 1, max_retries: int = 2):
        if cpus_per_job < 1:
            raise SpecError("cpus_per_job", cpus_per_job, "an integer >= 1")
        if max_retries < 0:
            raise SpecError("max_retries", max_retries, "an integer >= 0")
        self.ray = import_ray()
        self.cpus_per_job = cpus_per_job
        self.max_retries = max_retries
        self._started_here = False
        self._board = None
        self._jobs = 0  # jobs submitted so far (their index on the progress board)
        if not self.ray.is_initialized():
            try:
                if address:
                    self.ray.init(address=address, logging_level="WARNING",
                                  log_to_driver=False)
                else:
                    self.ray.init(num_cpus=num_cpus or os.cpu_count() or 1,
                                  include_dashboard=False, logging_level="WARNING",
                                  log_to_driver=False, _node_ip_address="127.0.0.1")
                    self._started_here = True
            except ConnectionError as exc:
                raise SpecError("--ray-address", address, "the address of a running Ray "
                                "cluster ('auto' or HOST:PORT)", str(exc)) from None

    # -- resources -----------------------------------------------------------------------------
    def _cluster(self) -> dict:
        return self.ray.cluster_resources()

    def resolve_device(self, name: str) -> str:
        """"auto" means CUDA when the cluster has GPUs (the driver may have none)."""
        gpus = self._cluster().get("GPU", 0)
        if name == "auto":
            return "cuda" if gpus > 0 else "cpu"
        if name.startswith("cuda"):
            if gpus <= 0:
                raise SpecError("device", name, "cpu or auto (the Ray cluster has no GPU)")
            return "cuda"  # each task sees its own GPU as cuda:0
        return str(resolve_device(name))

    def capacity(self, device: str) -> int:
        """Jobs the cluster can run at once."""
        resources = self._cluster()
        slots = int(resources.get("CPU", 1) // self.cpus_per_job)
        if device.startswith("cuda"):
            slots = min(slots, int(resources.get("GPU", 0)))
        return max(1, slots)

    def running_workers(self) -> dict[int, int]:
        """Job index -> pid of the worker process running it now (for diagnostics)."""
        if self._board is None:
            return {}
        return self.ray.get(self._board.snapshot.remote())[1]

    def _progress_board(self):
        """The progress actor, started once and waited for (so no early report is queued
        behind its start-up)."""
        if self._board is None:
            self._board = self.ray.remote(num_cpus=0)(_ProgressBoard).remote()
            self.ray.get(self._board.snapshot.remote())
        return self._board

    # -- running -------------------------------------------------------------------------------
    def run(self, jobs: Iterable[GroupJob], progress: Callable[[int], None] | None = None
            ) -> Iterator[GroupResult]:
        ray = self.ray
        board = self._progress_board()
        task = ray.remote(_run_on_worker)
        queue = iter(jobs)
        in_flight: dict = {}  # object ref -> (job, submitted at)
        reported = ray.get(board.snapshot.remote())[0]  # steps of earlier runs
        exhausted = False
        try:
            while True:
                while not exhausted and (not in_flight or len(in_flight) < self._slots(in_flight)):
                    job = next(queue, None)
                    if job is None:
                        exhausted = True
                        break
                    cuda = job.device.startswith("cuda")
                    ref = task.options(num_cpus=self.cpus_per_job, num_gpus=1 if cuda else 0,
                                       max_retries=self.max_retries, retry_exceptions=False
                                       ).remote(job, self._jobs, board, self.cpus_per_job)
                    in_flight[ref] = (job, time.time())
                    self._jobs += 1
                if not in_flight:
                    return
                ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=POLL_S)
                reported = self._report(progress, reported)
                for ref in ready:
                    job, submitted = in_flight.pop(ref)
                    yield self._result(ref, job, submitted)
        finally:
            for ref in in_flight:
                ray.cancel(ref, force=True)
            self._report(progress, reported)

    def _slots(self, in_flight: dict) -> int:
        """Jobs to keep in flight: what the cluster runs at once plus one queued, so a worker
        that finishes starts its next job while the driver commits."""
        job = next(iter(in_flight.values()))[0] if in_flight else None
        return self.capacity(job.device if job else "cpu") + 1

    def _report(self, progress: Callable[[int], None] | None, reported: int) -> int:
        if progress is None or self._board is None:
            return reported
        steps, _ = self.ray.get(self._board.snapshot.remote())
        if steps > reported:
            progress(steps - reported)
        return max(steps, reported)

    def _result(self, ref, job: GroupJob, submitted: float) -> GroupResult:
        ray = self.ray
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, SpecError):
                raise cause from None
            return _failed_result(job, f"the job raised in Ray: {exc}", submitted)
        except ray.exceptions.RayError as exc:  # worker died more often than max_retries, ...
            error = (f"the Ray job failed after {self.max_retries} retries: "
                     f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}")
            return _failed_result(job, error, submitted)

    def close(self) -> None:
        """Stop the local Ray instance this executor started (a joined cluster keeps running)."""
        if self._board is not None and self.ray.is_initialized():
            self.ray.kill(self._board)
        self._board = None
        if self._started_here and self.ray.is_initialized():
            self.ray.shutdown()
        self._started_here = False
