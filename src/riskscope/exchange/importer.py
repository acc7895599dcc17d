"""`import_bundle`: verify a bundle, then merge it into a store in one transaction.

Trials are keyed by their hash: importing a bundle twice, or two bundles that share trials,
stores each trial once. A trial whose stored result differs from the bundle's (another
machine, another code version) keeps its stored result, and the bundle's is kept beside it
with its provenance (`Store.trial_variants`). The run keeps its id, name, spec, status, times
and info, so `ls`, `show` and `report` treat it like a local run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from riskscope.exchange.fingerprint import short_fingerprint
from riskscope.exchange.verify import BundleTrial, VerifiedBundle, verify_bundle
from riskscope.store import Store
from riskscope.store.provenance import ImportedTrial, ImportSource


@dataclass(frozen=True)
class ImportReport:
    """What an import did. `already_imported`: the store had this digest; nothing changed."""

    digest: str
    run_id: str
    store: Path
    already_imported: bool
    run_created: bool
    new: int
    same: int
    variants: int
    registered: int
    artifacts_written: int

    def line(self) -> str:
        if self.already_imported:
            return (f"bundle {self.digest[:12]} (run {self.run_id}) was already imported into "
                    f"{self.store}; nothing changed")
        return (f"imported bundle {self.digest[:12]}: run {self.run_id} "
                f"({'new' if self.run_created else 'merged into the existing run'}); trials: "
                f"{self.new} new, {self.same} already stored with the same result, "
                f"{self.variants} with a different result (kept beside the stored one), "
                f"{self.registered} unfinished (registered as pending); "
                f"{self.artifacts_written} artifact files written. Store: {self.store}")


def machine_of(environment: dict) -> str | None:
    """'device (device name; platform)' from a trial's environment record."""
    if not environment:
        return None
    name = environment.get("device_name") or "?"
    return f"{environment.get('device', '?')} ({name}; {environment.get('platform', '?')})"


def code_version_of(environment: dict, fingerprint: dict | None) -> str:
    """The trial's riskscope version and git revision, and the bundle's source fingerprint."""
    rev = environment.get("git_revision")
    parts = [f"riskscope {environment.get('riskscope') or '?'}"]
    if rev:
        parts.append(f"git {rev[:12]}{'+dirty' if environment.get('dirty') else ''}")
    parts.append(f"bundled by {short_fingerprint(fingerprint)}")
    return ", ".join(parts)


def _imported(trial: BundleTrial, fingerprint: dict) -> ImportedTrial:
    return ImportedTrial(
        trial_hash=trial.trial_hash, params=trial.params, status=trial.status,
        position=trial.position, started_at=trial.started_at, finished_at=trial.finished_at,
        environment=trial.environment, result=trial.result, metrics=trial.metrics,
        artifacts=trial.artifacts, error=trial.error, group_id=trial.group_id,
        machine=machine_of(trial.environment),
        code_version=code_version_of(trial.environment, fingerprint))


def import_bundle(bundle: str | os.PathLike | VerifiedBundle, store: Store) -> ImportReport:
    """Verify `bundle` (a path, or an already verified bundle) and merge it into `store`."""
    verified = bundle if isinstance(bundle, VerifiedBundle) else verify_bundle(bundle)
    fingerprint = verified.code_fingerprint
    source = ImportSource(
        digest=verified.digest, format=verified.manifest["format"], author=verified.author,
        note=verified.note, riskscope_version=fingerprint.get("riskscope"),
        code_fingerprint=fingerprint.get("source_sha256"),
        meta={k: v for k, v in verified.meta.items() if k != "run"})
    counts = store.merge_imported(verified.run, [_imported(t, fingerprint)
                                                 for t in verified.trials], source)
    return ImportReport(verified.digest, verified.run_id, store.directory,
                        counts.already_imported, counts.run_created, counts.new, counts.same,
                        counts.variants, counts.registered, counts.artifacts_written)


__all__ = ["ImportReport", "code_version_of", "import_bundle", "machine_of"]
