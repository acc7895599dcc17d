"""`write_bundle`: one run of a store as one deterministic file (layout in `layout.py`).

Everything comes from the store: the run row, the validated spec, the stored declaration,
every trial of the run (pending ones with their parameters only), the artifact files (checked
against their recorded sha256 on the way), and a report built from the same store with the
run's own last-update time as its build time (SOURCE_DATE_EPOCH), PNG figures only. The
archive's entries have fixed times, modes and order, so the same run gives the same bytes;
the bundling time is deliberately not recorded. The file is written to a temporary name beside
the target and renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from riskscope.core.errors import SpecError, StoreError
from riskscope.exchange import layout
from riskscope.exchange.archive import write_zip
from riskscope.exchange.declared import derive_declaration, stored_declaration
from riskscope.exchange.fingerprint import code_fingerprint
from riskscope.store import Store
from riskscope.store.schema import FINISHED_STATUSES
from riskscope.studies.canonical import spec_hash

MAX_TEXT = 4000


@dataclass(frozen=True)
class BundleInfo:
    """What `write_bundle` wrote: the file, its digest (identity), run, counts, size."""

    path: Path
    digest: str
    run_id: str
    trials: int
    members: int
    size_bytes: int


def _check_text(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT or "\0" in value:
        raise SpecError(field, value if isinstance(value, str) and len(value) < 80 else "...",
                        f"text of at most {MAX_TEXT} characters")
    return value


@contextmanager
def _source_date(epoch: float):
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(epoch))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def _report_members(store: Store, run_id: str, epoch: float) -> dict[str, bytes]:
    from riskscope.report.build import build_report

    members: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="riskscope-bundle-") as tmp, _source_date(epoch):
        index = build_report(store, run_id, Path(tmp) / "report", formats=("png",))
        root = index.parent
        members[layout.REPORT_DIR + "index.html"] = index.read_bytes()
        for path in sorted((root / "tables").glob("*")):
            if path.is_file():
                members[f"{layout.REPORT_DIR}tables/{path.name}"] = path.read_bytes()
    return members


def _trial_members(store: Store, run_id: str) -> tuple[dict[str, bytes], list[dict], set[str]]:
    members: dict[str, bytes] = {}
    results: list[dict] = []
    series: set[str] = set()
    hashes = list(store.trials(run_id)["trial_hash"])
    for position, th in enumerate(hashes):
        row = store.trial_row(th)
        if spec_hash(row["params"]) != th:
            raise StoreError(f"trial {th} in {store.directory} has parameters that do not hash "
                             "to its key (written by hand?); such a run cannot be bundled")
        entry = {"trial_hash": th, "position": position, "params": row["params"],
                 "status": row["status"], "started_at": row["started_at"],
                 "finished_at": row["finished_at"], "environment": row["environment"],
                 "result": row["result"], "error": row["error"], "group_id": row["group_id"],
                 "metrics": {}, "artifacts": {}}
        if row["status"] != "pending":
            record = store.load_record(th, with_artifacts=False)
            entry["metrics"] = {name: {"steps": list(steps), "values": list(values)}
                                for name, (steps, values) in sorted(record.metrics.items())}
        for art in store.artifact_entries(th):
            data = (store.directory / art["relpath"]).read_bytes()
            if hashlib.sha256(data).hexdigest() != art["sha256"]:
                raise StoreError(f"artifact {art['relpath']} in {store.directory} does not match "
                                 "its recorded sha256 (changed after commit); not bundled")
            member = f"{layout.ARTIFACTS_DIR}{th}/{art['name']}.safetensors"
            members[member] = data
            entry["artifacts"][art["name"]] = {"member": member, "sha256": art["sha256"],
                                               "size": len(data)}
        members[layout.trial_member(th)] = layout.dumps(entry)
        if row["status"] in FINISHED_STATUSES:
            results.append(row["result"])
            series.update(entry["metrics"])
    return members, results, series


def bundle_members(store: Store, run_ref: str, author: str | None = None,
                   note: str | None = None, with_report: bool = True) -> dict[str, bytes]:
    """Every member of the run's bundle (name -> bytes), manifest included."""
    author = _check_text("author", author)
    note = _check_text("note", note)
    run_id = store.resolve_run(run_ref)
    run = store.run(run_id)
    if spec_hash(run["spec"]) != run["spec_hash"]:
        raise StoreError(f"run {run_id} in {store.directory}: its spec does not hash to its "
                         f"recorded spec hash {run['spec_hash'][:12]}…; it cannot be bundled")
    members, results, series = _trial_members(store, run_id)
    declaration = stored_declaration(run["info"])
    decl_json = declaration.to_json() if declaration is not None else {
        **derive_declaration(results, series).to_json(), "derived": True}
    meta = {
        "format": layout.BUNDLE_FORMAT,
        "run": {k: run[k] for k in ("run_id", "name", "study", "preset", "status",
                                    "created_at", "updated_at", "info")},
        "spec_hash": run["spec_hash"],
        "trials": len([m for m in members if m.startswith(layout.TRIALS_DIR)]),
        "code_fingerprint": code_fingerprint(),
        "author": author,
        "note": note,
    }
    members[layout.META] = layout.dumps(meta)
    members[layout.SPEC] = layout.dumps(run["spec"])
    members[layout.DECLARATION] = layout.dumps(decl_json)
    if with_report:
        members.update(_report_members(store, run_id, run["updated_at"]))
    manifest = {"format": layout.BUNDLE_FORMAT, "kind": layout.BUNDLE_KIND,
                "members": [{"name": name, "sha256": layout.sha256(data), "size": len(data)}
                            for name, data in sorted(members.items())]}
    members[layout.MANIFEST] = layout.dumps(manifest)
    return members


def default_bundle_path(store: Store, run_id: str) -> Path:
    from riskscope.report.build import report_dir

    safe = report_dir(store, run_id).name
    return store.directory / "bundles" / f"{safe}{layout.SUFFIX}"


def write_bundle(store: Store, run_id: str, path: str | os.PathLike | None = None,
                 author: str | None = None, note: str | None = None,
                 with_report: bool = True) -> BundleInfo:
    """Write the bundle of `run_id` (id, unique prefix or name) to `path` (default
    `<store>/bundles/<run id>.rsbundle`); return what was written."""
    run_id = store.resolve_run(run_id)
    members = bundle_members(store, run_id, author, note, with_report)
    target = Path(path) if path is not None else default_bundle_path(store, run_id)
    target = target.expanduser().absolute()
    if target.is_dir():
        raise SpecError("bundle file", str(target), "a file path, not a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        write_zip(temp, members, first=layout.MANIFEST)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    trials = sum(1 for m in members if m.startswith(layout.TRIALS_DIR))
    return BundleInfo(target, layout.sha256(members[layout.MANIFEST]), run_id, trials,
                      len(members), target.stat().st_size)


__all__ = ["BundleInfo", "bundle_members", "default_bundle_path", "write_bundle"]
