"""Where the hub keeps things under its root directory, and the checks that keep every path
inside it: a bundle is found only by its digest (64 lower-case hex digits), never by a name a
user sent."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from riskscope.core.errors import SpecError

DB_NAME = "hub.sqlite"
BUNDLE_SUFFIX = ".rsbundle"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def check_digest(digest: object) -> str:
    """The digest itself, or SpecError: a bundle digest is 64 lower-case hex digits."""
    if not isinstance(digest, str) or not _HEX64.match(digest):
        raise SpecError("digest", digest, "64 lower-case hexadecimal digits (a bundle digest)")
    return digest


class HubPaths:
    """The layout of one hub root (see `riskscope.hub`)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).expanduser().absolute()

    @property
    def db(self) -> Path:
        return self.root / DB_NAME

    @property
    def bundles(self) -> Path:
        return self.root / "bundles"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def bundle_file(self, digest: str) -> Path:
        digest = check_digest(digest)
        return self.bundles / digest[:2] / f"{digest}{BUNDLE_SUFFIX}"

    def run_dir(self, digest: str) -> Path:
        return self.runs / check_digest(digest)

    def inside(self, path: str | os.PathLike) -> Path:
        """`path` resolved, or SpecError when it leaves the root (a link or `..`)."""
        resolved = Path(path).resolve()
        root = self.root.resolve()
        if resolved != root and root not in resolved.parents:
            raise SpecError("path", str(path), f"a path inside the hub root {root}")
        return resolved

    def prepare(self, clean_tmp: bool = True) -> None:
        """Create the folders; with `clean_tmp` (the server starting) empty tmp/ of what a
        stopped server left half-received."""
        for folder in (self.root, self.bundles, self.runs):
            folder.mkdir(parents=True, exist_ok=True)
        if clean_tmp and self.tmp.exists():
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True, exist_ok=True)


__all__ = ["BUNDLE_SUFFIX", "DB_NAME", "HubPaths", "check_digest"]
