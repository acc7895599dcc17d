"""The code fingerprint of the running riskscope: its version, the git revision of its source
tree when it has one, and a sha256 over its Python sources.

The sha256 covers every `*.py` file of the installed `riskscope` package, in sorted relative-path
order, each as `<relative path>\\0<bytes>\\0`; so two installs with the same sources have the same
fingerprint whatever their paths or git state, and any edit to the code changes it. (A minimal
version for bundles; issue 15's `package_fingerprint()` is to replace it at merge.)
"""

from __future__ import annotations

import hashlib
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

import riskscope

_GIT_TIMEOUT_S = 2.0


def _package_dir() -> Path:
    return Path(riskscope.__file__).resolve().parent


def source_sha256(root: Path | None = None) -> str:
    """sha256 over the package's .py files (relative path and content, sorted by path)."""
    root = root or _package_dir()
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py"), key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _git_revision(directory: Path) -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=_GIT_TIMEOUT_S, check=False, cwd=directory)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _version() -> str | None:
    try:
        return metadata.version("riskscope")
    except metadata.PackageNotFoundError:
        return None


@cache
def code_fingerprint() -> dict:
    """{"riskscope": version, "git_revision": str | None, "source_sha256": hex} of this code.

    Computed once per process (the sources do not change under a running process)."""
    return {"riskscope": _version(), "git_revision": _git_revision(_package_dir()),
            "source_sha256": source_sha256()}


def short_fingerprint(fingerprint: dict | None) -> str:
    """A one-word label: `<version>+<first 12 hex of source_sha256>` ('unknown' without one)."""
    if not fingerprint or not fingerprint.get("source_sha256"):
        return "unknown"
    return f"{fingerprint.get('riskscope') or '?'}+{fingerprint['source_sha256'][:12]}"


__all__ = ["code_fingerprint", "short_fingerprint", "source_sha256"]
