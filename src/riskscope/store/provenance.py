"""Merging trials that came from elsewhere (a bundle) into the store, keeping provenance.

The `trials` table keeps one primary result per trial hash, as in schema version 1. A result
brought from elsewhere is identified by its *variant id*: the sha256 over the canonical JSON of
its status, results, series and artifact sha256s (`variant_id`). Merging one `ImportedTrial`:

- the store has no finished result for the hash (absent, pending or failed): the imported one
  becomes the primary (row, series, artifact files, as a local commit would write them);
- the store's finished result has the same variant id: nothing changes but the provenance;
- it has another variant id: the imported result is kept beside it in `trial_variants` (its
  artifact files under `artifacts/variants/<sha256>.safetensors`); the primary is never replaced.

Every merged variant gets a `variant_sources` row naming the source (bundle digest, author,
machine, code version). Everything commits in one transaction, artifact files renamed into
place under the write lock first (as in `commit.py`); a failure leaves the store as it was.
Merging the same source twice changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from riskscope.core.errors import StoreError
from riskscope.store import artifacts, codec
from riskscope.store.connection import write_transaction
from riskscope.store.records import metric_arrays
from riskscope.store.schema import FINISHED_STATUSES, RUN_STATUSES, TRIAL_STATUSES

VARIANT_DIR = "artifacts/variants"
_TIMING = re.compile(r"(^|_)(wall|time|duration)_s$|^seconds_|_seconds$")


def is_timing_result(name: str) -> bool:
    """Results that measure elapsed time (`group_wall_s`, `solve_time_s`, `seconds_training`,
    ...): bookkeeping that differs between any two executions, so not part of a result's
    identity."""
    return bool(_TIMING.search(name))


def variant_id(status: str, result: dict, metrics: dict, artifact_content: dict) -> str:
    """sha256 over canonical JSON of (status, results but those measuring elapsed time,
    series as [steps, values], artifact content digests by name, see
    `artifacts.content_sha256`): equal content, equal id, whichever machine, run or bundle it
    came from."""
    content = {"status": status,
               "result": {k: v for k, v in result.items() if not is_timing_result(k)},
               "metrics": {k: [list(s), list(v)] for k, (s, v) in metrics.items()},
               "artifacts": artifact_content}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class ImportedTrial:
    """One trial as a source holds it; artifacts are name -> safetensors bytes (already
    checked against their sha256 by the caller)."""

    trial_hash: str
    params: dict
    status: str
    position: int
    started_at: float | None = None
    finished_at: float | None = None
    environment: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)
    metrics: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)
    artifacts: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None
    group_id: str | None = None
    machine: str | None = None
    code_version: str | None = None

    def artifact_sha256(self) -> dict[str, str]:
        return {name: hashlib.sha256(data).hexdigest() for name, data in self.artifacts.items()}

    def variant_id(self) -> str:
        contents = {n: artifacts.content_sha256(d) for n, d in self.artifacts.items()}
        return variant_id(self.status, self.result, self.metrics, contents)


@dataclass
class ImportSource:
    """Where the trials came from: the bundle's digest and what it says about itself."""

    digest: str
    format: int
    author: str | None
    note: str | None
    riskscope_version: str | None
    code_fingerprint: str | None
    meta: dict


@dataclass
class MergeCounts:
    already_imported: bool = False
    run_created: bool = False
    new: int = 0          # became the primary result (absent, pending or failed before)
    same: int = 0         # equal to the primary already stored
    variants: int = 0     # differ from the stored primary: kept beside it
    registered: int = 0   # unfinished in the source: registered as pending
    artifacts_written: int = 0


def _local_variant(db: sqlite3.Connection, directory: Path, trial_hash: str, status: str,
                   result_json: str) -> str:
    metrics: dict[str, tuple[list[int], list[float]]] = {}
    for name, step, value in db.execute(
            "SELECT name, step, value FROM metrics WHERE trial_hash = ? ORDER BY name, seq",
            (trial_hash,)):
        steps, values = metrics.setdefault(name, ([], []))
        steps.append(step)
        values.append(float("nan") if value is None else value)
    contents = {}
    for name, rel, sha in db.execute("SELECT name, relpath, sha256 FROM artifacts "
                                     "WHERE trial_hash = ?", (trial_hash,)):
        contents[name] = artifacts.content_sha256(artifacts.read_bytes(directory, rel, sha))
    return variant_id(status, codec.loads(result_json, {}), metrics, contents)


def _metrics_rows(trial: ImportedTrial) -> list[tuple]:
    rows = []
    for name in sorted(trial.metrics):
        steps, values = metric_arrays(name, trial.metrics[name])
        rows += [(trial.trial_hash, name, seq, step, value)
                 for seq, (step, value) in enumerate(zip(steps.tolist(), values.tolist()))]
    return rows


def _check(trial: ImportedTrial) -> None:
    artifacts.check_name("trial_hash", trial.trial_hash)
    if trial.status not in TRIAL_STATUSES:
        raise StoreError(f"trial {trial.trial_hash}: status {trial.status!r} is not one of "
                         f"{', '.join(TRIAL_STATUSES)}")
    for name in trial.artifacts:
        artifacts.check_name(f"trial {trial.trial_hash}: artifact", name)


def _stage_bytes(directory: Path, rel: str, data: bytes) -> artifacts.StagedArtifact:
    final = directory / rel
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return artifacts.StagedArtifact(Path(rel).stem, temp, final, rel,
                                    hashlib.sha256(data).hexdigest(), len(data))


def _plan(db, directory: Path, trials: list[ImportedTrial]) -> dict[str, tuple[str, str]]:
    """trial_hash -> (action, local variant id or ''); action is new | same | variant | register."""
    plan = {}
    for trial in trials:
        row = db.execute("SELECT status, result_json FROM trials WHERE trial_hash = ?",
                         (trial.trial_hash,)).fetchone()
        finished_here = row is not None and row[0] in FINISHED_STATUSES
        if trial.status not in FINISHED_STATUSES:
            plan[trial.trial_hash] = ("register", "")
        elif not finished_here:
            plan[trial.trial_hash] = ("new", "")
        else:
            local = _local_variant(db, directory, trial.trial_hash, row[0], row[1])
            plan[trial.trial_hash] = ("same" if local == trial.variant_id() else "variant", local)
    return plan


def merge_trials(db: sqlite3.Connection, directory: Path, path: Path, run: dict,
                 trials: list[ImportedTrial], source: ImportSource) -> MergeCounts:
    """Merge one source's run and trials atomically (see the module docstring)."""
    for trial in trials:
        _check(trial)
    if run.get("status") not in RUN_STATUSES:
        raise StoreError(f"run status {run.get('status')!r} is not one of {RUN_STATUSES}")
    counts = MergeCounts()
    if db.execute("SELECT 1 FROM bundles WHERE digest = ?", (source.digest,)).fetchone():
        counts.already_imported = True
        return counts
    _check_run(db, path, run)  # a conflicting run is refused before any file is written
    # Stage artifact files outside the lock; only those that may be needed.
    staged: list[artifacts.StagedArtifact] = []
    created: list[Path] = []
    published = False
    try:
        plan = _plan(db, directory, trials)
        for trial in trials:
            action = plan[trial.trial_hash][0]
            for name, data in sorted(trial.artifacts.items()):
                if action == "new":
                    rel = artifacts.relpath(trial.trial_hash, name)
                elif action == "variant":
                    rel = f"{VARIANT_DIR}/{hashlib.sha256(data).hexdigest()}{artifacts.SUFFIX}"
                else:
                    continue
                created += _missing_dirs(directory, (directory / rel).parent)
                staged.append(_stage_bytes(directory, rel, data))
        with write_transaction(db):
            if db.execute("SELECT 1 FROM bundles WHERE digest = ?", (source.digest,)).fetchone():
                counts.already_imported = True
                return counts
            if {k: v[0] for k, v in _plan(db, directory, trials).items()} != \
                    {k: v[0] for k, v in plan.items()}:
                raise StoreError(f"{path} changed while the import was being prepared (another "
                                 "process wrote the same trials); nothing was imported, retry")
            counts.run_created = _merge_run(db, path, run)
            artifacts.publish([s for s in staged if not s.final.exists()
                               or "/variants/" not in s.relpath])
            published = True
            _merge_rows(db, run["run_id"], trials, plan, source, staged, counts,
                        counts.run_created)
    finally:
        artifacts.discard(staged)
        if not published or counts.already_imported:
            for folder in reversed(created):  # deepest first; only the empty ones we made
                with contextlib.suppress(OSError):
                    folder.rmdir()
    return counts


def _missing_dirs(directory: Path, folder: Path) -> list[Path]:
    """The folders between `directory` and `folder` that do not exist yet, outermost first."""
    missing = []
    while folder != directory and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    return missing[::-1]


def _check_run(db, path: Path, run: dict) -> bool:
    """True if the run exists (with the same spec hash); StoreError if it has another."""
    row = db.execute("SELECT spec_hash FROM runs WHERE run_id = ?", (run["run_id"],)).fetchone()
    if row is not None and row[0] != run["spec_hash"]:
        raise StoreError(f"run {run['run_id']!r} exists in {path} with spec hash {row[0]}, "
                         f"the imported one has {run['spec_hash']}; nothing was imported")
    return row is not None


def _merge_run(db, path: Path, run: dict) -> bool:
    if _check_run(db, path, run):
        return False
    db.execute(
        """INSERT INTO runs (run_id, name, study, preset, spec_json, spec_hash, status,
                             created_at, updated_at, info_json) VALUES (?,?,?,?,?,?,?,?,?,?)""",
        (run["run_id"], run["name"], run["study"], run.get("preset"),
         codec.dumps(run["spec"], "spec"), run["spec_hash"], run["status"],
         float(run["created_at"]), float(run["updated_at"]),
         codec.dumps(run.get("info") or {}, "info")))
    return True


def _merge_rows(db, run_id, trials, plan, source: ImportSource, staged, counts: MergeCounts,
                run_created: bool) -> None:
    now = time.time()
    db.execute(
        """INSERT INTO bundles (digest, run_id, format, author, note, riskscope_version,
                                code_fingerprint, imported_at, meta_json)
           VALUES (?,?,?,?,?,?,?,?,?)""",
        (source.digest, run_id, source.format, source.author, source.note,
         source.riskscope_version, source.code_fingerprint, now,
         codec.dumps(source.meta, "bundle meta")))
    start = db.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM run_trials WHERE run_id = ?",
                       (run_id,)).fetchone()[0]
    by_rel = {s.relpath: s for s in staged}
    for i, trial in enumerate(sorted(trials, key=lambda t: t.position)):
        th = trial.trial_hash
        action = plan[th][0]
        db.execute("""INSERT OR IGNORE INTO trials (trial_hash, params_json, status, registered_at)
                      VALUES (?, ?, 'pending', ?)""",
                   (th, codec.dumps(trial.params, f"params of {th}"), now))
        position = trial.position if run_created else start + i
        db.execute("INSERT OR IGNORE INTO run_trials (run_id, trial_hash, position) "
                   "VALUES (?,?,?)", (run_id, th, position))
        if action == "register":
            counts.registered += 1
            continue
        vid = trial.variant_id()
        shas = trial.artifact_sha256()
        if action == "new":
            _write_primary(db, run_id, trial, now)
            rows = [(th, name, artifacts.relpath(th, name), shas[name], len(data))
                    for name, data in sorted(trial.artifacts.items())]
            db.executemany("INSERT INTO artifacts (trial_hash, name, relpath, sha256, nbytes) "
                           "VALUES (?,?,?,?,?)", rows)
            counts.artifacts_written += len(rows)
            counts.new += 1
            refs = {name: artifacts.relpath(th, name) for name in trial.artifacts}
        elif action == "same":
            counts.same += 1
            refs = {name: artifacts.relpath(th, name) for name in trial.artifacts}
        else:
            counts.variants += 1
            refs = {name: f"{VARIANT_DIR}/{shas[name]}{artifacts.SUFFIX}"
                    for name in trial.artifacts}
            counts.artifacts_written += sum(r in by_rel for r in refs.values())
        _variant_row(db, trial, vid, action != "variant", refs, shas)
        db.execute(
            """INSERT OR IGNORE INTO variant_sources (trial_hash, variant_id, bundle_digest,
                   author, machine, code_version) VALUES (?,?,?,?,?,?)""",
            (th, vid, source.digest, source.author, trial.machine, trial.code_version))


def _write_primary(db, run_id: str, trial: ImportedTrial, now: float) -> None:
    th = trial.trial_hash
    db.execute(
        """UPDATE trials SET params_json = ?, status = ?, source_run = ?, group_id = ?,
               started_at = ?, finished_at = ?, environment_json = ?, result_json = ?,
               error = ?, attempts = attempts + 1, registered_at = ? WHERE trial_hash = ?""",
        (codec.dumps(trial.params, f"params of {th}"), trial.status, run_id, trial.group_id,
         trial.started_at, trial.finished_at, codec.dumps(trial.environment, "environment"),
         codec.dumps(trial.result, "result"), trial.error, now, th))
    db.execute("DELETE FROM metrics WHERE trial_hash = ?", (th,))
    db.execute("DELETE FROM artifacts WHERE trial_hash = ?", (th,))
    db.executemany("INSERT INTO metrics (trial_hash, name, seq, step, value) VALUES (?,?,?,?,?)",
                   _metrics_rows(trial))


def _variant_row(db, trial: ImportedTrial, vid: str, primary: bool, refs: dict, shas: dict
                 ) -> None:
    arts = {name: {"relpath": refs[name], "sha256": shas[name],
                   "nbytes": len(trial.artifacts[name])} for name in trial.artifacts}
    metrics = {k: [list(s), list(v)] for k, (s, v) in trial.metrics.items()}
    db.execute(
        """INSERT OR IGNORE INTO trial_variants (trial_hash, variant_id, status, is_primary,
               result_json, environment_json, metrics_json, artifacts_json)
           VALUES (?,?,?,?,?,?,?,?)""",
        (trial.trial_hash, vid, trial.status, int(primary), codec.dumps(trial.result, "result"),
         codec.dumps(trial.environment, "environment"), codec.dumps(metrics, "metrics"),
         codec.dumps(arts, "artifacts")))


def trial_variants(db: sqlite3.Connection, directory: Path, trial_hash: str) -> list[dict]:
    """Every result this trial has: the primary first (the `trials` row; `sources` empty when
    it was computed here), then those kept beside it, each with the sources that brought it."""
    out = []
    row = db.execute("SELECT status, result_json, environment_json FROM trials "
                     "WHERE trial_hash = ?", (trial_hash,)).fetchone()
    has_primary = db.execute("SELECT 1 FROM trial_variants WHERE trial_hash = ? AND is_primary",
                             (trial_hash,)).fetchone()
    if row is not None and row[0] in FINISHED_STATUSES and not has_primary:
        out.append({"variant_id": _local_variant(db, directory, trial_hash, row[0], row[1]),
                    "status": row[0], "is_primary": True, "result": codec.loads(row[1], {}),
                    "environment": codec.loads(row[2], {}), "metrics": None, "artifacts": None,
                    "sources": []})
    query = """SELECT variant_id, status, is_primary, result_json, environment_json,
                      metrics_json, artifacts_json FROM trial_variants WHERE trial_hash = ?
               ORDER BY is_primary DESC, variant_id"""
    for vid, status, primary, result, env, metrics, arts in db.execute(query, (trial_hash,)):
        sources = [dict(zip(("bundle_digest", "author", "machine", "code_version"), r))
                   for r in db.execute(
                       """SELECT bundle_digest, author, machine, code_version FROM variant_sources
                          WHERE trial_hash = ? AND variant_id = ? ORDER BY bundle_digest""",
                       (trial_hash, vid))]
        out.append({"variant_id": vid, "status": status, "is_primary": bool(primary),
                    "result": codec.loads(result, {}), "environment": codec.loads(env, {}),
                    "metrics": codec.loads(metrics, {}), "artifacts": codec.loads(arts, {}),
                    "sources": sources})
    return out


def bundles(db: sqlite3.Connection) -> list[dict]:
    """The bundles merged into this store, oldest import first."""
    cols = ("digest", "run_id", "format", "author", "note", "riskscope_version",
            "code_fingerprint", "imported_at")
    rows = db.execute(f"SELECT {', '.join(cols)} FROM bundles ORDER BY imported_at, digest")
    return [dict(zip(cols, r)) for r in rows]


__all__ = ["ImportSource", "ImportedTrial", "MergeCounts", "bundles", "is_timing_result",
           "merge_trials", "trial_variants", "variant_id"]
