"""What a bundle holds, and how its JSON is written. Format version `BUNDLE_FORMAT`.

    manifest.json                 {"format", "kind": "riskscope-bundle", "members":
                                   [{"name", "sha256", "size"}, ...] sorted by name}
    bundle.json                   format, run (id, name, study, preset, status, times, info),
                                  spec_hash, riskscope version, code fingerprint, author, note
    spec.json                     the validated spec (its sha256 over canonical JSON = spec_hash)
    declaration.json              the study's result declaration (`ResultDeclaration.to_json`);
                                  for a run stored before declarations, one derived from the
                                  stored names with "derived": true
    trials/<trial_hash>.json      params, status, times, environment, result, series, artifact
                                  references, error, group id, position in the run
    artifacts/<trial_hash>/<name>.safetensors   the stored artifact files, byte for byte
    report/index.html, report/tables/*          the run's report (self-contained HTML)

The bundle's digest is the sha256 of manifest.json's bytes: it names every member's sha256,
so it identifies the whole content. JSON is UTF-8 with sorted keys and no whitespace; NaN and
±Infinity are written as the tokens `NaN`, `Infinity`, `-Infinity` (as the store does).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

BUNDLE_FORMAT = 1
BUNDLE_KIND = "riskscope-bundle"
MANIFEST = "manifest.json"
META = "bundle.json"
SPEC = "spec.json"
DECLARATION = "declaration.json"
TRIALS_DIR = "trials/"
ARTIFACTS_DIR = "artifacts/"
REPORT_DIR = "report/"
SUFFIX = ".rsbundle"

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def dumps(value: Any) -> bytes:
    """Canonical bundle JSON bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=True).encode("utf-8")


def loads(data: bytes, member: str) -> Any:
    """Parse a member's JSON; BundleError naming the member if it is not JSON."""
    from riskscope.exchange.errors import BundleError

    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BundleError(f"member {member!r} is not valid UTF-8 JSON: {exc}") from exc


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_hex64(value: Any) -> bool:
    return isinstance(value, str) and bool(_HEX64.match(value))


def trial_member(trial_hash: str) -> str:
    return f"{TRIALS_DIR}{trial_hash}.json"


__all__ = ["ARTIFACTS_DIR", "BUNDLE_FORMAT", "BUNDLE_KIND", "DECLARATION", "MANIFEST", "META",
           "REPORT_DIR", "SPEC", "SUFFIX", "TRIALS_DIR", "dumps", "is_hex64", "loads", "sha256",
           "trial_member"]
