"""The study runner: validate, expand, skip what the store has, group, execute, commit.

Each finished trial is committed atomically as soon as its group returns, so an interrupted
run loses at most the groups in flight and a rerun resumes with no duplicate trials.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from riskscope.core.device import resolve_device
from riskscope.store import Store, TrialRecord, environment_record
from riskscope.studies.canonical import spec_hash
from riskscope.studies.executors import Executor, GroupJob, LocalExecutor
from riskscope.studies.expand import expand_trials, group_trials, run_hash
from riskscope.studies.registry import get_study
from riskscope.studies.spec import StudySpec
from riskscope.studies.trial import Trial


class ProgressSink:
    """Receives progress; the CLI shows a bar with an ETA. The default shows nothing."""

    def start(self, total: int, description: str) -> None: ...
    def advance(self, n: int) -> None: ...
    def finish(self) -> None: ...


@dataclass
class RunSummary:
    run_id: str
    name: str
    store: str
    trials: int
    skipped: int
    finished: int = 0
    diverged: int = 0
    failed: int = 0
    wall_s: float = 0.0
    failures: list[str] = field(default_factory=list)


def run_id_for(spec: StudySpec) -> tuple[str, str]:
    h = run_hash(spec)
    return f"{spec.name or spec.study}-{h[:8]}", h


def run_study(spec: StudySpec, store: Store, device: str | None = None,
              executor: Executor | None = None, progress: ProgressSink | None = None,
              preset: str | None = None,
              on_group: Callable[[RunSummary], None] | None = None) -> RunSummary:
    """Run every trial of `spec` that `store` does not have yet; return a summary."""
    start = time.perf_counter()
    study = get_study(spec.study)
    device_name = str(resolve_device(device or spec.device))
    trials = expand_trials(spec)
    run_id, h = run_id_for(spec)
    store.create_run(run_id, spec.name or spec.study, spec.study, preset, spec.model_dump(), h)
    store.add_trials(run_id, [(t.hash, t.params) for t in trials])
    done = store.finished_trials([t.hash for t in trials])
    unique = {t.hash: t for t in trials}
    pending = [t for h_, t in unique.items() if h_ not in done]
    summary = RunSummary(run_id, spec.name or spec.study, str(store.directory), len(unique),
                         len(unique) - len(pending))
    groups = group_trials(pending, study.ensemble_keys, spec.max_group_size)
    jobs = [GroupJob(spec.study, tuple(t.params for t in g), device_name) for g in groups]
    progress = progress or ProgressSink()
    progress.start(sum(study.work_steps(g[0]) for g in groups), f"{run_id} ({len(groups)} "
                   f"ensembles, {len(pending)} trials)")
    env = environment_record(device_name)
    store.set_run_status(run_id, "running", device=device_name)
    try:
        for result in (executor or LocalExecutor()).run(jobs, progress.advance):
            group_id = spec_hash(list(result.job.trials))[:12]
            for params, outcome in zip(result.job.trials, result.outcomes):
                record = TrialRecord(
                    trial_hash=Trial(params).hash, run_id=run_id, params=params,
                    status=outcome.status, started_at=result.started_at,
                    finished_at=result.finished_at, environment=env, result=outcome.result,
                    metrics=outcome.metrics, artifacts=outcome.artifacts, error=outcome.error,
                    group_id=group_id)
                store.commit_trial(record)
                summary.finished += outcome.status in ("done", "diverged")
                summary.diverged += outcome.status == "diverged"
                if outcome.status == "failed":
                    summary.failed += 1
                    summary.failures.append(outcome.error or "")
            if on_group is not None:
                on_group(summary)
    except BaseException:
        store.set_run_status(run_id, "interrupted", device=device_name)
        raise
    finally:
        progress.finish()
    summary.wall_s = time.perf_counter() - start
    store.set_run_status(run_id, "failed" if summary.failed else "done", device=device_name,
                         wall_s=summary.wall_s)
    return summary
