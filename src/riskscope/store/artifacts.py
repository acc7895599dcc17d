"""Tensor artifacts as safetensors files beside the database, written atomically.

Layout: `<results dir>/artifacts/<trial_hash>/<name>.safetensors`. A file is first written in
full to a temporary name in the same directory and fsynced (`stage`); the store renames it into
place with `os.replace` only while it holds the database write lock (`publish`), then records
its sha256 in the same transaction. So a reader never sees a half-written file under a recorded
name, and a second process that lost the race for a trial never overwrites the winner's files.
Temporary files left by a killed process are harmless: they are never referenced.
Safetensors holds raw tensor bytes and a JSON header, never pickles, so loading is safe.
A store may come from someone else (shared, downloaded, damaged): every path taken from it is
resolved (symbolic links included) and refused unless it stays inside `<results dir>/artifacts`
(`inside_store`), so a crafted relpath like `../victim.txt` is never read, written or deleted.
torch is imported only when an artifact is written or read.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from riskscope.core.errors import SpecError, StoreError

if TYPE_CHECKING:
    import torch

ARTIFACT_DIR = "artifacts"
SUFFIX = ".safetensors"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.=+-]{0,127}$")


def check_name(field: str, value: object) -> str:
    """Names become path components: letters, digits and `_.=+-`, not starting with a dot."""
    if not isinstance(value, str) or not _SAFE_NAME.match(value):
        raise SpecError(
            field, value, "1-128 characters from A-Z a-z 0-9 _ . = + - , not starting with '.'"
        )
    return value


def content_sha256(data: bytes) -> str:
    """sha256 of a safetensors file's *content*: its header as canonical JSON (sorted keys)
    and its tensor bytes. Two files holding the same tensors and metadata have the same
    content digest even when their bytes differ: safetensors writes the `__metadata__` table
    in hash-map order, which changes between processes. Falls back to the sha256 of the
    bytes for a file that is not well-formed safetensors."""
    import json
    import struct

    try:
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8:8 + n].decode("utf-8"))
        canonical = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    except (struct.error, UnicodeDecodeError, ValueError):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256(len(canonical).to_bytes(8, "little") + canonical)
    digest.update(data[8 + n:])
    return digest.hexdigest()


def inside_store(directory: Path, rel: str) -> Path:
    """`directory / rel`, resolved; StoreError unless it lies inside `directory/artifacts`
    (after following symbolic links, so a link out of the store is refused too)."""
    root = (directory / ARTIFACT_DIR).resolve()
    if not isinstance(rel, str) or not rel or "\0" in rel:
        raise StoreError(f"the store {directory} records an invalid artifact path {rel!r}")
    path = (directory / rel).resolve()
    if path == root or not path.is_relative_to(root):
        raise StoreError(
            f"the store {directory} records the artifact path {rel!r}, which leads outside its "
            f"artifacts directory (to {path}); refused: the store may be crafted or damaged")
    return path


def relpath(trial_hash: str, name: str) -> str:
    """The artifact's path relative to the results directory (POSIX separators)."""
    return f"{ARTIFACT_DIR}/{trial_hash}/{name}{SUFFIX}"


def serialize(tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """Safetensors bytes of CPU, contiguous, non-aliasing copies of `tensors`."""
    import safetensors.torch
    import torch

    plain = {
        key: value.detach().to("cpu").clone(memory_format=torch.contiguous_format)
        for key, value in tensors.items()
    }
    return safetensors.torch.save(plain, metadata=metadata)


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable; not possible on every platform, where it is skipped."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass
class StagedArtifact:
    """A fully written, fsynced temporary file waiting to be renamed to `final`."""

    name: str
    temp: Path
    final: Path
    relpath: str
    sha256: str
    nbytes: int


def stage(directory: Path, trial_hash: str, name: str, tensors) -> StagedArtifact:
    """Write one artifact to a unique temporary file next to its final place and fsync it."""
    rel = relpath(trial_hash, name)
    final = directory / rel
    final.parent.mkdir(parents=True, exist_ok=True)
    final = inside_store(directory, rel)  # refuse an artifacts/<hash> link planted out
    data = serialize(tensors, {"trial_hash": trial_hash, "name": name})
    temp = final.with_name(f".{final.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return StagedArtifact(name, temp, final, rel, hashlib.sha256(data).hexdigest(), len(data))


def publish(staged: list[StagedArtifact]) -> None:
    """Rename staged files into place (atomic per file) and make the renames durable."""
    for item in staged:
        os.replace(item.temp, item.final)
    for parent in {item.final.parent for item in staged}:
        _fsync_dir(parent)


def discard(staged: list[StagedArtifact]) -> None:
    """Remove staged temporary files that were not published."""
    for item in staged:
        item.temp.unlink(missing_ok=True)


def read_bytes(directory: Path, rel: str, sha256: str) -> bytes:
    """An artifact file's bytes after checking its sha256 against the one recorded."""
    path = inside_store(directory, rel)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"artifact file {path} cannot be read: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise StoreError(
            f"artifact file {path} is corrupt: sha256 {digest} does not match the recorded "
            f"{sha256} (the file was changed or truncated after it was committed)"
        )
    return data


def read(directory: Path, rel: str, sha256: str) -> dict[str, torch.Tensor]:
    """Load an artifact after checking its sha256 against the one recorded at commit."""
    path = inside_store(directory, rel)
    data = read_bytes(directory, rel, sha256)
    import safetensors.torch

    try:
        return safetensors.torch.load(data)
    except Exception as exc:  # the checksum matched, so this is a writer bug, not corruption
        raise StoreError(f"artifact file {path} is not a readable safetensors file: {exc}") from exc
