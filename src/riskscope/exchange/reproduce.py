"""`reproduce_bundle`: re-run K trials of a bundle, chosen at random, and compare.

The chosen trials are re-run from their stored parameters through the normal study code (the
executor's `execute_group`), each together with the members of the ensemble it was trained in
(recovered from its stored group id, so batched kernels see the same shapes), with the
prerequisite results a runner would hand it (read back from a temporary store the bundle is
imported into). The new outcomes are committed to a second temporary store and read back, so
they pass through exactly the encoding the originals did. Then, per chosen trial:

- identical: same status, every result bit for bit (timing results such as `group_wall_s`
  excepted), every series bit for bit, every artifact's content (tensors and
  metadata, `content_sha256`) equal. Expected on the CPU with
  the same code (the trainer is deterministic);
- within interval: not identical, but every differing numeric result lies in its own stored
  interval (`<name>_ci_low` .. `<name>_ci_high`) or, without one, in the 95% prediction
  interval of a new seed from the bundle's other seeds of that configuration,
  mean ± t(n−1)·s·√(1 + 1/n); and nothing non-numeric differs;
- differing: anything else (including a result with no interval to judge it by).

The record (`ReproductionRecord.to_json`) is what `show` and the report display; with a store
holding the run it is appended to the run's info under `"reproductions"`.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from riskscope.core.estimate import t_quantile
from riskscope.exchange.compare import IDENTITY_KEYS
from riskscope.exchange.declared import finite, is_number, is_timing
from riskscope.exchange.fingerprint import code_fingerprint, short_fingerprint
from riskscope.exchange.importer import import_bundle
from riskscope.exchange.verify import BundleTrial, VerifiedBundle, verify_bundle
from riskscope.store import Store, TrialRecord, environment_record
from riskscope.store.artifacts import content_sha256, read_bytes
from riskscope.store.schema import FINISHED_STATUSES
from riskscope.studies.canonical import canonical_json, spec_hash
from riskscope.studies.executors import GroupJob, execute_group
from riskscope.studies.registry import get_study
from riskscope.studies.runner import _stored_results
from riskscope.studies.trial import Trial

OUTCOMES = ("reproduced bit for bit", "reproduced within intervals", "not reproduced")


@dataclass(frozen=True)
class TrialCheck:
    trial_hash: str
    verdict: str  # identical | within_interval | differing
    detail: tuple[str, ...] = ()


@dataclass
class ReproductionRecord:
    at: float
    bundle_digest: str
    run_id: str
    seed: int | None
    device: str
    expected: str
    code_fingerprint: str
    checks: list[TrialCheck] = field(default_factory=list)

    @property
    def trials_checked(self) -> int:
        return len(self.checks)

    def count(self, verdict: str) -> int:
        return sum(c.verdict == verdict for c in self.checks)

    @property
    def outcome(self) -> str:
        if self.checks and self.count("identical") == len(self.checks):
            return OUTCOMES[0]
        if self.checks and not self.count("differing"):
            return OUTCOMES[1]
        return OUTCOMES[2]

    def to_json(self) -> dict:
        """The plain dict stored in run info `reproductions` (the report's contract keys:
        at, trials_checked, identical, within_interval, differing, code_fingerprint, outcome;
        and bundle_digest, seed, device, expected, trials[{trial_hash, verdict, detail}])."""
        return {"at": self.at, "trials_checked": self.trials_checked,
                "identical": self.count("identical"),
                "within_interval": self.count("within_interval"),
                "differing": self.count("differing"), "code_fingerprint": self.code_fingerprint,
                "outcome": self.outcome, "bundle_digest": self.bundle_digest,
                "run_id": self.run_id, "seed": self.seed, "device": self.device,
                "expected": self.expected,
                "trials": [{"trial_hash": c.trial_hash, "verdict": c.verdict,
                            "detail": list(c.detail)} for c in self.checks]}


def _same(x, y) -> bool:
    """Bit-for-bit equality of two stored values (NaN equals NaN)."""
    if is_number(x) and is_number(y):
        return (math.isnan(x) and math.isnan(y)) or x == y
    return json.dumps(x, sort_keys=True, allow_nan=True) == json.dumps(y, sort_keys=True,
                                                                        allow_nan=True)


def _group_of(bundle: VerifiedBundle, trial: BundleTrial) -> tuple[list[BundleTrial], bool]:
    """The trial's ensemble as stored (order recovered from the group id), and whether the
    group id was matched (False: the trial is re-run alone)."""
    if trial.group_id:
        mates = [t for t in bundle.trials if t.group_id == trial.group_id]
        if spec_hash([t.params for t in mates])[:12] == trial.group_id:
            return mates, True
    return [trial], False


def _interval(bundle: VerifiedBundle, trial: BundleTrial, name: str) -> tuple[float, float] | None:
    low, high = trial.result.get(f"{name}_ci_low"), trial.result.get(f"{name}_ci_high")
    if finite(low) and finite(high):
        return float(low), float(high)
    key = canonical_json({k: v for k, v in trial.params.items() if k not in IDENTITY_KEYS})
    values = np.array([t.result[name] for t in bundle.trials
                       if t.status in FINISHED_STATUSES and finite(t.result.get(name))
                       and canonical_json({k: v for k, v in t.params.items()
                                           if k not in IDENTITY_KEYS}) == key], dtype=float)
    if len(values) < 2 or values.std() == 0:
        return None
    half = t_quantile(0.95, len(values) - 1) * values.std(ddof=1) * math.sqrt(
        1 + 1 / len(values))
    return float(values.mean() - half), float(values.mean() + half)


def check_trial(bundle: VerifiedBundle, original: BundleTrial, new: TrialRecord,
                new_shas: dict[str, str]) -> TrialCheck:
    """Compare a re-run (`new`, read back from a store) with the bundle's trial."""
    detail: list[str] = []
    unjudged: list[str] = []
    if new.status != original.status:
        unjudged.append(f"status {original.status} -> {new.status}")
    for name in sorted(set(original.result) | set(new.result)):
        if is_timing(name):
            continue
        a, b = original.result.get(name), new.result.get(name)
        if _same(a, b):
            continue
        if not (finite(a) and finite(b)):
            unjudged.append(f"{name}: {a!r} -> {b!r}")
            continue
        interval = _interval(bundle, original, name)
        if interval is None:
            unjudged.append(f"{name}: {a!r} -> {b!r} (no interval to judge by)")
        elif interval[0] <= b <= interval[1]:
            detail.append(f"{name}: {a!r} -> {b!r}, within [{interval[0]:.6g}, "
                          f"{interval[1]:.6g}]")
        else:
            unjudged.append(f"{name}: {a!r} -> {b!r}, outside [{interval[0]:.6g}, "
                            f"{interval[1]:.6g}]")
    for name in sorted(set(original.metrics) | set(new.metrics)):
        a, b = original.metrics.get(name), new.metrics.get(name)
        if a is None or b is None or a[0] != list(b[0]) or not all(
                _same(x, y) for x, y in zip(a[1], b[1], strict=True)):
            detail.append(f"series {name} differs")
    old_shas = {n: content_sha256(d) for n, d in original.artifacts.items()}
    if old_shas != new_shas:
        detail.append(f"artifacts differ ({', '.join(sorted(set(old_shas) | set(new_shas)))})")
    if unjudged:
        return TrialCheck(original.trial_hash, "differing", tuple(unjudged + detail))
    if detail:
        return TrialCheck(original.trial_hash, "within_interval", tuple(detail))
    return TrialCheck(original.trial_hash, "identical")


def _candidates(bundle: VerifiedBundle) -> list[BundleTrial]:
    prereqs = set(bundle.meta["run"]["info"].get("prerequisites") or [])
    return [t for t in bundle.trials if t.status in FINISHED_STATUSES
            and t.trial_hash not in prereqs]


def reproduce_bundle(bundle: str | os.PathLike | VerifiedBundle, trials: int = 3,
                     rng: int | np.random.Generator | None = None, device: str = "cpu",
                     store: Store | None = None) -> ReproductionRecord:
    """Re-run `trials` randomly chosen finished trials of `bundle` and compare them with it.

    rng:   a seed or a numpy Generator choosing the trials (None: fresh entropy; the seed
           drawn is recorded so the choice can be repeated).
    store: when it holds the bundle's run, the record is appended to that run's info.
    """
    verified = bundle if isinstance(bundle, VerifiedBundle) else verify_bundle(bundle)
    if isinstance(rng, np.random.Generator):
        seed, gen = None, rng
    else:
        seed = int(np.random.SeedSequence().entropy % (2 ** 32)) if rng is None else int(rng)
        gen = np.random.default_rng(seed)
    pool = _candidates(verified)
    chosen = [pool[i] for i in sorted(gen.choice(len(pool), size=min(trials, len(pool)),
                                                 replace=False))] if pool else []
    mine = code_fingerprint()
    same_code = verified.code_fingerprint.get("source_sha256") == mine["source_sha256"]
    on_cpu = device == "cpu" and all(t.environment.get("device") == "cpu" for t in chosen)
    record = ReproductionRecord(time.time(), verified.digest, verified.run_id, seed, device,
                                "bit for bit" if same_code and on_cpu else "within intervals",
                                short_fingerprint(mine))
    study = get_study(verified.meta["run"]["study"])
    with tempfile.TemporaryDirectory(prefix="riskscope-reproduce-") as tmp, \
            Store(os.path.join(tmp, "original")) as original, \
            Store(os.path.join(tmp, "rerun")) as rerun:
        import_bundle(verified, original)
        run = verified.run
        rerun.create_run(run["run_id"], run["name"], run["study"], run.get("preset"),
                         run["spec"], run["spec_hash"])
        env = environment_record(device)
        done: dict[str, tuple[TrialRecord, dict]] = {}
        for trial in chosen:
            if trial.trial_hash not in done:
                done.update(_rerun(verified, trial, study, device, env, original, rerun))
            new, shas = done[trial.trial_hash]
            record.checks.append(check_trial(verified, trial, new, shas))
    if store is not None:
        record_reproduction(store, verified.run_id, record)
    return record


def _rerun(bundle, trial, study, device, env, original: Store, rerun: Store) -> dict:
    group, _matched = _group_of(bundle, trial)
    needs = {p.hash for t in group for p in study.prerequisites(Trial(t.params))}
    inputs = _stored_results(original, bundle.run_id, needs)
    job = GroupJob(bundle.meta["run"]["study"], tuple(t.params for t in group), device, inputs)
    result = execute_group(job)
    rerun.add_trials(bundle.run_id, [(t.trial_hash, t.params) for t in group])
    out = {}
    for member, outcome in zip(group, result.outcomes, strict=True):
        record = TrialRecord(
            trial_hash=member.trial_hash, run_id=bundle.run_id, params=member.params,
            status=outcome.status, started_at=result.started_at,
            finished_at=result.finished_at, environment=env, result=outcome.result,
            metrics=outcome.metrics, artifacts=outcome.artifacts, error=outcome.error,
            group_id=member.group_id)
        rerun.commit_trial(record)
        stored = rerun.load_record(member.trial_hash, with_artifacts=False)
        shas = {a["name"]: content_sha256(read_bytes(rerun.directory, a["relpath"], a["sha256"]))
                for a in rerun.artifact_entries(member.trial_hash)}
        out[member.trial_hash] = (stored, shas)
    return out


def record_reproduction(store: Store, run_id: str, record: ReproductionRecord) -> bool:
    """Append the record to the run's info `reproductions`; False if the store lacks the run."""
    if run_id not in set(store.runs()["run_id"]):
        return False
    run = store.run(run_id)
    previous = list(run["info"].get("reproductions") or [])
    store.set_run_status(run_id, run["status"], reproductions=[*previous, record.to_json()])
    return True


__all__ = ["OUTCOMES", "ReproductionRecord", "TrialCheck", "check_trial", "record_reproduction",
           "reproduce_bundle"]
