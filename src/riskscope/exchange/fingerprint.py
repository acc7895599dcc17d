"""The code fingerprint a bundle records: riskscope's version, the git revision of its source
tree when it has one, and a sha256 over the package's Python sources.

Computed by `riskscope.store.code_fingerprint.package_fingerprint` (the same hash that marks
stale trials hashes each study's own modules); a bundle keeps the three fields below, so two
installs with the same sources have the same fingerprint whatever their paths or git state.
"""

from __future__ import annotations

from riskscope.store.code_fingerprint import package_fingerprint


def code_fingerprint() -> dict:
    """{"riskscope": version, "git_revision": str | None, "source_sha256": hex} of this code."""
    package = package_fingerprint()
    return {"riskscope": package["riskscope"], "git_revision": package["git_revision"],
            "source_sha256": package["package_sha256"]}


def short_fingerprint(fingerprint: dict | None) -> str:
    """A one-word label: `<version>+<first 12 hex of source_sha256>` ('unknown' without one)."""
    if not fingerprint or not fingerprint.get("source_sha256"):
        return "unknown"
    return f"{fingerprint.get('riskscope') or '?'}+{fingerprint['source_sha256'][:12]}"


__all__ = ["code_fingerprint", "short_fingerprint"]
