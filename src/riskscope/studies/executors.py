"""Executors run groups of trials. The runner hands them plain, serializable jobs.

A `GroupJob` holds only JSON-able data (study name, trial parameters, device name) and
`execute_group` is an importable function of it, so a distributed engine can ship jobs to
workers and send outcomes back without the studies knowing. `LocalExecutor` runs the jobs one
after another in this process, which is what a 2-core machine or one GPU wants: the ensemble
already fills the device.
"""

from __future__ import annotations

import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from riskscope.core.device import resolve_device
from riskscope.core.errors import SpecError
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
    job: GroupJob
    outcomes: list[TrialOutcome]
    started_at: float
    finished_at: float


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
    return GroupResult(job, outcomes, started, time.time())


class Executor(ABC):
    @abstractmethod
    def run(self, jobs: Iterable[GroupJob], progress: Callable[[int], None] | None = None
            ) -> Iterator[GroupResult]:
        """Yield each group's result as soon as it is finished (any order)."""


class LocalExecutor(Executor):
    """Runs the groups sequentially in this process."""

    def run(self, jobs, progress=None):
        for job in jobs:
            yield execute_group(job, progress)
