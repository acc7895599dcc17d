"""`verify_bundle`: check a bundle completely, in memory, before anything is written anywhere.

Checks, in order (the first failure raises `BundleError` naming the member and the problem):
1. the container (`archive.read_members`): a readable zip, no escaping or odd paths, no links
   or other non-regular files, no duplicates, member count and expanded sizes under the caps
   before anything is decompressed, CRC-32 of every entry;
2. `manifest.json`: present, JSON, kind `riskscope-bundle`, a format this riskscope reads
   (newer is refused), every member listed exactly once with its sha256 and size, nothing
   in the archive that the manifest does not list, nothing listed that the archive lacks, and
   every member's sha256 and size equal to the manifest's;
3. the content: `bundle.json`, `spec.json`, `declaration.json` well-formed; the spec's hash is
   the recorded spec hash; every trial named by its hash, which is the hash of its parameters;
   its status, series and artifact references well-formed; every artifact reference a member
   with that sha256 and a well-formed safetensors header; no artifact member without a trial.
Nothing in a bundle is unpickled or executed: JSON, bytes and safetensors headers only.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from riskscope.core.declared_results import ResultDeclaration
from riskscope.core.errors import RiskscopeError
from riskscope.exchange import layout
from riskscope.exchange.archive import Limits, check_member_name, read_members
from riskscope.exchange.errors import BundleError
from riskscope.store.artifacts import check_name
from riskscope.store.schema import RUN_STATUSES, TRIAL_STATUSES
from riskscope.studies.canonical import spec_hash

_MAX_HEADER = 100 << 20


@dataclass(frozen=True)
class BundleTrial:
    """One trial of a verified bundle (plain data, as the source store held it)."""

    trial_hash: str
    position: int
    params: dict
    status: str
    started_at: float | None
    finished_at: float | None
    environment: dict
    result: dict
    metrics: dict[str, tuple[list[int], list[float]]]
    artifacts: dict[str, bytes]
    error: str | None
    group_id: str | None


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle that passed every check, held in memory.

    digest:      sha256 of manifest.json, the bundle's identity.
    meta:        bundle.json (format, run, spec_hash, code_fingerprint, author, note).
    run:         meta["run"] plus spec and spec_hash, in the form `Store.merge_imported` takes.
    declaration: the declared results (derived from stored names if the run had none).
    trials:      in the run's order.
    report:      report files (relative path under report/ -> bytes).
    """

    path: Path
    digest: str
    manifest: dict
    meta: dict
    spec: dict
    declaration: ResultDeclaration
    declaration_derived: bool
    trials: tuple[BundleTrial, ...]
    report: dict[str, bytes] = field(repr=False)
    size_bytes: int = 0

    @property
    def run_id(self) -> str:
        return self.meta["run"]["run_id"]

    @property
    def run(self) -> dict:
        return {**self.meta["run"], "spec": self.spec, "spec_hash": self.meta["spec_hash"]}

    @property
    def author(self) -> str | None:
        return self.meta.get("author")

    @property
    def note(self) -> str | None:
        return self.meta.get("note")

    @property
    def code_fingerprint(self) -> dict:
        return self.meta.get("code_fingerprint") or {}

    def trial(self, trial_hash: str) -> BundleTrial:
        for trial in self.trials:
            if trial.trial_hash == trial_hash:
                return trial
        raise KeyError(trial_hash)


def _need(cond: bool, message: str) -> None:
    if not cond:
        raise BundleError(message)


def _manifest(members: dict[str, bytes]) -> dict:
    _need(layout.MANIFEST in members, f"not a riskscope bundle: no {layout.MANIFEST}")
    manifest = layout.loads(members[layout.MANIFEST], layout.MANIFEST)
    _need(isinstance(manifest, dict) and manifest.get("kind") == layout.BUNDLE_KIND,
          f"not a riskscope bundle: {layout.MANIFEST} does not say kind "
          f"{layout.BUNDLE_KIND!r}")
    fmt = manifest.get("format")
    _need(isinstance(fmt, int) and not isinstance(fmt, bool) and fmt >= 1,
          f"manifest format: got {fmt!r}; allowed: a positive integer")
    _need(fmt <= layout.BUNDLE_FORMAT,
          f"bundle format {fmt} is newer than this riskscope reads ({layout.BUNDLE_FORMAT}); "
          "upgrade riskscope to read it")
    listed = manifest.get("members")
    _need(isinstance(listed, list), "manifest members: expected a list")
    names: dict[str, dict] = {}
    for entry in listed:
        _need(isinstance(entry, dict) and isinstance(entry.get("name"), str)
              and layout.is_hex64(entry.get("sha256")) and isinstance(entry.get("size"), int),
              f"manifest member entry {entry!r}: expected name, sha256 (64 hex), size")
        check_member_name(entry["name"])
        _need(entry["name"] not in names and entry["name"] != layout.MANIFEST,
              f"manifest lists member {entry['name']!r} twice (or lists itself)")
        names[entry["name"]] = entry
    present = set(members) - {layout.MANIFEST}
    extra = sorted(present - set(names))
    missing = sorted(set(names) - present)
    _need(not extra, f"member {extra[:3]} is in the archive but not in the manifest (added?)")
    _need(not missing, f"member {missing[:3]} is listed in the manifest but missing")
    for name, entry in names.items():
        data = members[name]
        _need(len(data) == entry["size"] and layout.sha256(data) == entry["sha256"],
              f"member {name!r} does not match its manifest sha256/size (altered or damaged)")
    return manifest


def _safetensors_ok(data: bytes, member: str) -> None:
    _need(len(data) >= 8, f"artifact {member!r} is not a safetensors file (too short)")
    (n,) = struct.unpack("<Q", data[:8])
    _need(n <= min(_MAX_HEADER, len(data) - 8),
          f"artifact {member!r}: safetensors header length {n} is impossible")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"artifact {member!r}: safetensors header is not JSON") from exc
    _need(isinstance(header, dict), f"artifact {member!r}: safetensors header is not a table")
    body = len(data) - 8 - n
    for key, value in header.items():
        if key == "__metadata__":
            continue
        offsets = value.get("data_offsets") if isinstance(value, dict) else None
        _need(isinstance(offsets, list) and len(offsets) == 2
              and all(isinstance(o, int) for o in offsets) and 0 <= offsets[0] <= offsets[1]
              <= body, f"artifact {member!r}: tensor {key!r} has bad data offsets")


def _number_or_none(value, field: str) -> float | None:
    if value is None:
        return None
    _need(isinstance(value, int | float) and not isinstance(value, bool)
          and math.isfinite(value), f"{field}: expected a finite number or null")
    return float(value)


def _series(data, member: str) -> dict[str, tuple[list[int], list[float]]]:
    _need(isinstance(data, dict), f"{member}: metrics must be a table")
    out = {}
    for name, value in data.items():
        _need(isinstance(name, str) and name and isinstance(value, dict)
              and isinstance(value.get("steps"), list) and isinstance(value.get("values"), list)
              and len(value["steps"]) == len(value["values"]),
              f"{member}: series {name!r} must have equally long steps and values")
        _need(all(isinstance(s, int) and not isinstance(s, bool) for s in value["steps"])
              and all(isinstance(v, int | float) and not isinstance(v, bool)
                      for v in value["values"]),
              f"{member}: series {name!r} must hold integer steps and numeric values")
        out[name] = (list(value["steps"]), [float(v) for v in value["values"]])
    return out


def _trial(name: str, data: dict, members: dict[str, bytes], used: set[str]) -> BundleTrial:
    entry = layout.loads(data, name)
    _need(isinstance(entry, dict), f"{name}: expected a table")
    th = entry.get("trial_hash")
    _need(layout.is_hex64(th) and name == layout.trial_member(th),
          f"{name}: trial_hash {th!r} does not name this member")
    params = entry.get("params")
    _need(isinstance(params, dict), f"{name}: params must be a table")
    try:
        actual = spec_hash(params)
    except (TypeError, ValueError) as exc:
        raise BundleError(f"{name}: params are not canonical JSON ({exc})") from exc
    _need(actual == th, f"{name}: the params hash to {actual}, not the trial hash {th}")
    status = entry.get("status")
    _need(status in TRIAL_STATUSES, f"{name}: status {status!r} not in {TRIAL_STATUSES}")
    for key in ("environment", "result"):
        _need(isinstance(entry.get(key), dict), f"{name}: {key} must be a table")
    position = entry.get("position")
    _need(isinstance(position, int) and not isinstance(position, bool) and position >= 0,
          f"{name}: position must be a non-negative integer")
    arts: dict[str, bytes] = {}
    refs = entry.get("artifacts")
    _need(isinstance(refs, dict), f"{name}: artifacts must be a table")
    for art_name, ref in refs.items():
        try:
            check_name(f"{name}: artifact name", art_name)
        except RiskscopeError as exc:
            raise BundleError(str(exc)) from exc
        member = f"{layout.ARTIFACTS_DIR}{th}/{art_name}.safetensors"
        _need(isinstance(ref, dict) and ref.get("member") == member and member in members
              and layout.sha256(members[member]) == ref.get("sha256"),
              f"{name}: artifact {art_name!r} must reference member {member} with its sha256")
        _safetensors_ok(members[member], member)
        used.add(member)
        arts[art_name] = members[member]
    for key in ("error", "group_id"):
        _need(entry.get(key) is None or isinstance(entry.get(key), str),
              f"{name}: {key} must be text or null")
    return BundleTrial(th, position, params, status,
                       _number_or_none(entry.get("started_at"), f"{name}: started_at"),
                       _number_or_none(entry.get("finished_at"), f"{name}: finished_at"),
                       entry["environment"], entry["result"],
                       _series(entry.get("metrics", {}), name), arts, entry.get("error"),
                       entry.get("group_id"))


def _meta(members: dict[str, bytes], spec: dict) -> dict:
    _need(layout.META in members, f"not a riskscope bundle: no {layout.META}")
    meta = layout.loads(members[layout.META], layout.META)
    _need(isinstance(meta, dict) and isinstance(meta.get("run"), dict),
          f"{layout.META}: expected a table with a run")
    run = meta["run"]
    for key in ("run_id", "name", "study"):
        _need(isinstance(run.get(key), str) and run[key], f"{layout.META}: run.{key} missing")
    _need(run.get("status") in RUN_STATUSES, f"{layout.META}: run.status not in {RUN_STATUSES}")
    _need(run.get("preset") is None or isinstance(run["preset"], str),
          f"{layout.META}: run.preset must be text or null")
    for key in ("created_at", "updated_at"):
        _need(isinstance(run.get(key), int | float) and math.isfinite(run[key]),
              f"{layout.META}: run.{key} must be a number")
    _need(isinstance(run.get("info"), dict), f"{layout.META}: run.info must be a table")
    for key in ("author", "note"):
        _need(meta.get(key) is None or isinstance(meta[key], str),
              f"{layout.META}: {key} must be text or null")
    _need(layout.is_hex64(meta.get("spec_hash")), f"{layout.META}: spec_hash must be 64 hex")
    _need(spec_hash(spec) == meta["spec_hash"],
          f"{layout.SPEC}: its hash is not the recorded spec_hash {meta['spec_hash']}")
    fp = meta.get("code_fingerprint")
    _need(fp is None or isinstance(fp, dict), f"{layout.META}: code_fingerprint must be a table")
    return meta


def verify_members(path: Path, members: dict[str, bytes]) -> VerifiedBundle:
    """Run checks 2 and 3 on members already read from `path` (see the module docstring)."""
    manifest = _manifest(members)
    _need(layout.SPEC in members, f"not a riskscope bundle: no {layout.SPEC}")
    spec = layout.loads(members[layout.SPEC], layout.SPEC)
    _need(isinstance(spec, dict), f"{layout.SPEC}: expected a table")
    try:
        meta = _meta(members, spec)
    except (TypeError, ValueError) as exc:
        raise BundleError(f"{layout.META}: {exc}") from exc
    _need(layout.DECLARATION in members, f"not a riskscope bundle: no {layout.DECLARATION}")
    decl_json = layout.loads(members[layout.DECLARATION], layout.DECLARATION)
    _need(isinstance(decl_json, dict), f"{layout.DECLARATION}: expected a table")
    derived = bool(decl_json.pop("derived", False))
    try:
        declaration = ResultDeclaration.from_json(decl_json)
    except RiskscopeError as exc:
        raise BundleError(f"{layout.DECLARATION}: {exc}") from exc
    used: set[str] = set()
    trials = [_trial(name, data, members, used) for name, data in sorted(members.items())
              if name.startswith(layout.TRIALS_DIR)]
    stray = sorted(m for m in members if m.startswith(layout.ARTIFACTS_DIR) and m not in used)
    _need(not stray, f"member {stray[:3]} is an artifact no trial references")
    known = (layout.MANIFEST, layout.META, layout.SPEC, layout.DECLARATION)
    other = sorted(m for m in members if m not in known and not m.startswith(
        (layout.TRIALS_DIR, layout.ARTIFACTS_DIR, layout.REPORT_DIR)))
    _need(not other, f"member {other[:3]} is not part of a bundle of format "
          f"{manifest['format']}")
    positions = [t.position for t in trials]
    _need(len(set(positions)) == len(positions), "two trials share one position")
    report = {m[len(layout.REPORT_DIR):]: d for m, d in members.items()
              if m.startswith(layout.REPORT_DIR)}
    return VerifiedBundle(path, layout.sha256(members[layout.MANIFEST]), manifest, meta, spec,
                          declaration, derived, tuple(sorted(trials, key=lambda t: t.position)),
                          report, sum(len(d) for d in members.values()))


def verify_bundle(path: str | os.PathLike, limits: Limits | None = None) -> VerifiedBundle:
    """Check every byte of the bundle at `path` and return its content (BundleError if any
    check fails; nothing is written anywhere either way)."""
    path = Path(path).expanduser()
    _need(not path.is_symlink(), f"{path} is a symbolic link; give the bundle file itself")
    members = read_members(path, limits or Limits())
    return verify_members(path, members)


__all__ = ["BundleTrial", "VerifiedBundle", "verify_bundle", "verify_members"]
