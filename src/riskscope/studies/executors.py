"""Executors run groups of trials. The runner hands them plain, serializable jobs.

A `GroupJob` holds only JSON-able data (study name, trial parameters, device name) and
`execute_group` is an importable function of it, so a distributed engine can ship jobs to
workers and send outcomes back without the studies knowing. `LocalExecutor` runs the jobs one
after another in this process, which is what a 2-core machine or one GPU wants: the ensemble
already fills the device. `RayExecutor` (riskscope.studies.ray_executor) runs them as Ray tasks.

Each result carries the environment of the process that computed it (host, device, versions,
and the code fingerprint of the study), so a trial records the machine that ran it, not the
driver's.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from riskscope.core.device import resolve_device
from riskscope.core.errors import SpecError
from riskscope.store import environment_record
from riskscope.store.code_fingerprint import code_fingerprint
from riskscope.studies.registry import get_study
from riskscope.studies.study import GroupContext, TrialOutcome
from riskscope.studies.trial import Trial


@dataclass(frozen=True)
class GroupJob:
    """Plain data: the study, its trials' parameters, the device, and the stored results of
    the prerequisite trials the group needs (trial hash -> result)."""

    study: str
    trials: tuple[dict, ...]
    device: str
    inputs: dict = field(default_factory=dict)


@dataclass
class GroupResult:
    """environment: where the group ran (`environment_record` plus `code`, the study's code
    fingerprint), recorded with each of its trials."""

    job: GroupJob
    outcomes: list[TrialOutcome]
    started_at: float
    finished_at: float
    environment: dict = field(default_factory=dict)


def group_environment(job: GroupJob) -> dict:
    """This process's environment for `job`, with the study's code fingerprint as `code`."""
    study = get_study(job.study)
    return {**environment_record(job.device), "code": code_fingerprint(type(study).__module__)}


def execute_group(job: GroupJob, progress: Callable[[int], None] | None = None) -> GroupResult:
    """Run one group. Bad input (SpecError) propagates; any other error fails its trials."""
    started = time.time()
    study = get_study(job.study)
    trials = [Trial(p) for p in job.trials]
    try:
        outcomes = study.run_group(trials, GroupContext(resolve_device(job.device), progress,
                                                        dict(job.inputs)))
    except SpecError:
        raise
    except Exception:
        error = traceback.format_exc(limit=8)
        outcomes = [TrialOutcome(status="failed", result={}, error=error) for _ in trials]
    return GroupResult(job, outcomes, started, time.time(), group_environment(job))


class Executor(ABC):
    @abstractmethod
    def run(self, jobs: Iterable[GroupJob], progress: Callable[[int], None] | None = None
            ) -> Iterator[GroupResult]:
        """Yield each group's result as soon as it is finished (any order). `jobs` may be a
        lazy iterator (the runner claims each group's trials as it is taken): take a job only
        when it can start."""

    def resolve_device(self, name: str) -> str:
        """The device name jobs will run on, for the spec's `device` (auto, cpu, cuda[:i])."""
        return str(resolve_device(name))

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the executor started (a local Ray instance, ...)."""

    @contextlib.contextmanager
    def closing(self) -> Iterator[Executor]:
        """`with executor.closing():` closes it at the end of the block, whatever happens."""
        try:
            yield self
        finally:
            self.close()


class LocalExecutor(Executor):
    """Runs the groups sequentially in this process."""

    def run(self, jobs, progress=None):
        for job in jobs:
            yield execute_group(job, progress)
