"""The study runner: validate, expand, skip what the store has, group, execute, commit.

Each finished trial is committed atomically as soon as its group returns, so an interrupted
run loses at most the groups in flight and a rerun resumes with no duplicate trials.
Prerequisite trials (Study.prerequisites) run first, in their own phase; their stored results
are handed to the groups that need them as plain data (GroupJob.inputs).

Hardening (docs/scale-out.md, "What happens on failure"):
- Claims: a group's unfinished trials are claimed in the store just before the group starts
  (`Store.claim_trials`), so two processes running one study into one store split the work;
  each reports what it committed, and trials another live process holds are left to it.
- Stale results: every trial records the code fingerprint of its study; with `rerun_stale`
  finished trials whose code changed since (or that have no fingerprint) are recomputed and
  replaced.
- Threads: training runs under the default thread policy (`riskscope.core.threads`).
- The run records its process (pid, host), so a run killed without a word shows as
  interrupted once that process is gone; a store deleted mid-run stops the run (StoreError).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from riskscope.core.errors import StoreError
from riskscope.core.threads import torch_threads
from riskscope.store import Store, TrialRecord, environment_record
from riskscope.store.claims import host_name
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
    """skipped: finished in the store before this run; finished: committed by this process;
    elsewhere: trials left to (or committed by) another process running the same study into
    the same store; stale: finished trials recomputed because their code changed; blocked:
    trials not run because another process is still computing a prerequisite they need (a
    prerequisite that failed is handled by the study, as before)."""

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
    elsewhere: int = 0
    stale: int = 0
    blocked: int = 0


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


@dataclass
class _RunState:
    store: Store
    run_id: str
    study: Study
    done: set[str]
    replace: set[str]
    summary: RunSummary
    progress: ProgressSink
    env: dict


def run_study(spec: StudySpec, store: Store, device: str | None = None,
              executor: Executor | None = None, progress: ProgressSink | None = None,
              preset: str | None = None,
              on_group: Callable[[RunSummary], None] | None = None,
              rerun_stale: bool = False, threads: int | None = None) -> RunSummary:
    """Run every trial of `spec` that `store` does not have yet; return a summary.

    rerun_stale: also recompute finished trials whose code fingerprint differs from the
    current code (or was never recorded). threads: torch CPU threads for training (default:
    the thread policy of `riskscope.core.threads`, one thread on the CPU).
    """
    start = time.perf_counter()
    study = get_study(spec.study)
    executor = executor or LocalExecutor()
    device_name = executor.resolve_device(device or spec.device)
    main = list({t.hash: t for t in expand_trials(spec)}.values())
    needs = {t.hash: [p.hash for p in study.prerequisites(t)] for t in main}
    prereqs = list({p.hash: p for t in main for p in study.prerequisites(t)}.values())
    everything = prereqs + main
    run_id, h = run_id_for(spec)
    store.create_run(run_id, spec.name or spec.study, spec.study, preset, spec.model_dump(), h)
    store.add_trials(run_id, [(t.hash, t.params) for t in everything])
    done = store.finished_trials([t.hash for t in everything])
    replace: set[str] = set()
    if rerun_stale:
        replace = {th for th, current in store.code_status(run_id).items()
                   if current is not True and th in done}
        done -= replace
    summary = RunSummary(run_id, spec.name or spec.study, str(store.directory), len(everything),
                         sum(t.hash in done for t in everything), stale=len(replace))
    phases = [_pending_groups(study, prereqs, done, spec.max_group_size),
              _pending_groups(study, main, done, spec.max_group_size)]
    n_groups = sum(len(p) for p in phases)
    progress = progress or ProgressSink()
    progress.start(sum(study.work_steps(g[0]) for p in phases for g in p),
                   f"{run_id} ({n_groups} ensembles, {len(everything) - summary.skipped} trials)")
    state = _RunState(store, run_id, study, done, replace, summary, progress,
                      environment_record(device_name))
    store.set_run_status(run_id, "running", device=device_name, pid=os.getpid(),
                         host=host_name(), prerequisites=sorted(p.hash for p in prereqs),
                         declaration=study_declaration(spec.study).to_json())
    try:
        with torch_threads(threads, device_name):
            for phase in phases:
                available = _stored_results(store, run_id, {p.hash for p in prereqs})
                jobs = _claimed_jobs(state, phase, spec.study, device_name, needs, available)
                for result in executor.run(jobs, progress.advance):
                    _commit(state, result)
                    if on_group is not None:
                        on_group(summary)
        store.check_present()
    except BaseException:
        with contextlib.suppress(StoreError):
            store.release_claims()
            store.set_run_status(run_id, "interrupted", device=device_name)
        raise
    finally:
        progress.finish()
    store.release_claims()
    summary.wall_s = time.perf_counter() - start
    _final_status(state, [t.hash for t in everything], device_name)
    return summary


def _claimed_jobs(state: _RunState, groups: list[list[Trial]], study_name: str, device: str,
                  needs: dict, available: dict) -> Iterator[GroupJob]:
    """The phase's jobs, each made when the executor takes it: its unfinished trials claimed
    in the store first; trials another live process holds are left to it (and the whole
    group, for a study that runs groups whole)."""
    for group in groups:
        pending = [t.hash for t in group if t.hash not in state.done]
        missing = {h_ for t in group for h_ in needs.get(t.hash, []) if h_ not in available}
        if missing and state.store.live_claims(missing):  # another runner computes them
            state.summary.blocked += len(pending)
            state.progress.advance(state.study.work_steps(group[0]))
            continue
        claimed, elsewhere = state.store.claim_trials(pending, state.run_id,
                                                      replace=state.replace)
        taken = [t for t in group if t.hash in claimed or t.hash in state.done]
        if elsewhere and state.study.whole_groups:
            state.store.release_claims(claimed)
            taken = []
        state.summary.elsewhere += len(pending) - len(claimed & {t.hash for t in taken})
        if not any(t.hash in claimed for t in taken):
            state.progress.advance(state.study.work_steps(group[0]))
            continue
        if not state.study.whole_groups:
            taken = [t for t in taken if t.hash in claimed]
        yield GroupJob(study_name, tuple(t.params for t in taken), device,
                       {h_: available[h_] for t in taken for h_ in needs.get(t.hash, [])
                        if h_ in available})


def _commit(state: _RunState, result: GroupResult) -> None:
    summary = state.summary
    group_id = spec_hash(list(result.job.trials))[:12]
    env = result.environment or state.env
    for params, outcome in zip(result.job.trials, result.outcomes, strict=True):
        trial_hash = Trial(params).hash
        if trial_hash in state.done:  # a whole group was rerun; its stored trials stay as is
            continue
        record = TrialRecord(
            trial_hash=trial_hash, run_id=state.run_id, params=params, status=outcome.status,
            started_at=result.started_at, finished_at=result.finished_at, environment=env,
            result=outcome.result, metrics=outcome.metrics, artifacts=outcome.artifacts,
            error=outcome.error, group_id=group_id)
        written = state.store.commit_trial(record, replace=trial_hash in state.replace)
        if not written:  # another process committed it first
            summary.elsewhere += 1
            state.done.add(trial_hash)
        elif outcome.status == "failed":
            summary.failed += 1
            summary.failures.append(outcome.error or "")
        else:
            state.done.add(trial_hash)
            summary.finished += 1
            summary.diverged += outcome.status == "diverged"


def _final_status(state: _RunState, hashes: list[str], device: str) -> None:
    """done/failed when this process saw the run through; still running (under the other
    runner's pid) while another live process holds some of its trials."""
    store, summary = state.store, state.summary
    unfinished = set(hashes) - store.finished_trials(hashes)
    held = store.live_claims(unfinished)
    if held:
        _, host, pid = next(iter(held.values()))
        store.set_run_status(state.run_id, "running", device=device, pid=int(pid), host=host)
        return
    status = "failed" if summary.failed or (unfinished and not summary.elsewhere) else "done"
    if unfinished and (summary.elsewhere or summary.blocked) and not summary.failed:
        status = "interrupted"  # another runner stopped without finishing its share
    store.set_run_status(state.run_id, status, device=device, wall_s=summary.wall_s)
