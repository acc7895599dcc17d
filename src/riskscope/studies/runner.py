"""The study runner: validate, expand, skip what the store has, group, execute, commit.

Each finished trial is committed atomically as soon as its group returns, so an interrupted
run loses at most the groups in flight and a rerun resumes with no duplicate trials.
Prerequisite trials (Study.prerequisites) run first, in their own phase; their stored results
are handed to the groups that need them as plain data (GroupJob.inputs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from riskscope.core.device import resolve_device
from riskscope.store import Store, TrialRecord, environment_record
from riskscope.studies.canonical import spec_hash
from riskscope.studies.executors import Executor, GroupJob, GroupResult, LocalExecutor
from riskscope.studies.expand import expand_trials, group_trials, run_hash
from riskscope.studies.registry import get_study, study_declaration
from riskscope.studies.spec import StudySpec
from riskscope.studies.study import Study
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


def _pending_groups(study: Study, trials: list[Trial], done: set[str], max_size: int
                    ) -> list[list[Trial]]:
    if study.whole_groups:
        groups = group_trials(trials, study.ensemble_keys, max_size=len(trials) or 1)
        return [g for g in groups if any(t.hash not in done for t in g)]
    pending = [t for t in trials if t.hash not in done]
    return group_trials(pending, study.ensemble_keys, max_size)


def _stored_results(store: Store, run_id: str, hashes: set[str]) -> dict[str, dict]:
    if not hashes:
        return {}
    frame = store.trials(run_id)
    frame = frame[frame["trial_hash"].isin(hashes)]
    cols = [c for c in frame.columns if c.startswith("result.")]
    return {row["trial_hash"]: {c.removeprefix("result."): row[c] for c in cols}
            for _, row in frame.iterrows()}


def run_study(spec: StudySpec, store: Store, device: str | None = None,
              executor: Executor | None = None, progress: ProgressSink | None = None,
              preset: str | None = None,
              on_group: Callable[[RunSummary], None] | None = None) -> RunSummary:
    """Run every trial of `spec` that `store` does not have yet; return a summary."""
    start = time.perf_counter()
    study = get_study(spec.study)
    device_name = str(resolve_device(device or spec.device))
    main = list({t.hash: t for t in expand_trials(spec)}.values())
    needs = {t.hash: [p.hash for p in study.prerequisites(t)] for t in main}
    prereqs = list({p.hash: p for t in main for p in study.prerequisites(t)}.values())
    everything = prereqs + main
    run_id, h = run_id_for(spec)
    store.create_run(run_id, spec.name or spec.study, spec.study, preset, spec.model_dump(), h)
    store.add_trials(run_id, [(t.hash, t.params) for t in everything])
    done = store.finished_trials([t.hash for t in everything])
    summary = RunSummary(run_id, spec.name or spec.study, str(store.directory), len(everything),
                         sum(t.hash in done for t in everything))
    phases = [_pending_groups(study, prereqs, done, spec.max_group_size),
              _pending_groups(study, main, done, spec.max_group_size)]
    n_groups = sum(len(p) for p in phases)
    progress = progress or ProgressSink()
    progress.start(sum(study.work_steps(g[0]) for p in phases for g in p),
                   f"{run_id} ({n_groups} ensembles, {len(everything) - summary.skipped} trials)")
    env = environment_record(device_name)
    store.set_run_status(run_id, "running", device=device_name,
                         prerequisites=sorted(p.hash for p in prereqs),
                         declaration=study_declaration(spec.study).to_json())
    executor = executor or LocalExecutor()
    try:
        for phase in phases:
            available = _stored_results(store, run_id, {p.hash for p in prereqs})
            jobs = [GroupJob(spec.study, tuple(t.params for t in g), device_name,
                             {h_: available[h_] for t in g for h_ in needs.get(t.hash, [])
                              if h_ in available})
                    for g in phase]
            for result in executor.run(jobs, progress.advance):
                _commit(store, run_id, env, result, done, summary)
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


def _commit(store: Store, run_id: str, env: dict, result: GroupResult, done: set[str],
            summary: RunSummary) -> None:
    group_id = spec_hash(list(result.job.trials))[:12]
    for params, outcome in zip(result.job.trials, result.outcomes, strict=True):
        trial_hash = Trial(params).hash
        if trial_hash in done:  # a whole group was rerun; its stored trials stay as they are
            continue
        record = TrialRecord(
            trial_hash=trial_hash, run_id=run_id, params=params, status=outcome.status,
            started_at=result.started_at, finished_at=result.finished_at, environment=env,
            result=outcome.result, metrics=outcome.metrics, artifacts=outcome.artifacts,
            error=outcome.error, group_id=group_id)
        store.commit_trial(record)
        if outcome.status == "failed":
            summary.failed += 1
            summary.failures.append(outcome.error or "")
        else:
            done.add(trial_hash)
            summary.finished += 1
            summary.diverged += outcome.status == "diverged"
