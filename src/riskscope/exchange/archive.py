"""A bundle's container: a zip archive written deterministically and read defensively.

Writing: members in sorted name order (the manifest first), every entry with the same fixed
timestamp (1980-01-01 00:00), Unix regular-file mode 0644, no extra fields, deflate at a fixed
level; so the same members give the same bytes.

Reading never extracts to disk. `read_members` refuses, before decompressing anything: an
absolute name, a `..` or empty component, a backslash or a NUL, a drive letter, a duplicate
name, a directory, a symbolic link or any other non-regular file, an encrypted entry, an
unknown compression method, more members than `max_members`, and a declared expanded size
beyond `max_member_bytes` or (summed) `max_total_bytes`. While decompressing it stops at the
declared size, so an entry whose header lies about its size cannot expand further.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from riskscope.exchange.errors import BundleError

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
COMPRESSION_LEVEL = 6
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Caps checked against the archive's directory before anything is decompressed."""

    max_members: int = 200_000
    max_member_bytes: int = 2 << 30
    max_total_bytes: int = 8 << 30


def write_zip(path: Path, members: dict[str, bytes], first: str) -> None:
    """Write `members` (name -> bytes) to `path`: `first`, then the rest in sorted order."""
    order = [first, *sorted(n for n in members if n != first)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION_LEVEL) as zf:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that external_attr holds a Unix mode
            info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
            zf.writestr(info, members[name], compresslevel=COMPRESSION_LEVEL)


def check_member_name(name: str) -> str:
    """A relative POSIX path with no `..`, empty, or drive components; BundleError if not."""
    path = PurePosixPath(name)
    bad = (not name or name.startswith("/") or "\\" in name or "\0" in name
           or name.endswith("/") or path.is_absolute()
           or any(part in ("", ".", "..") for part in name.split("/"))
           or (len(name) > 1 and name[1] == ":"))
    if bad:
        raise BundleError(f"member {name!r} has a path that leaves the bundle or is not a plain "
                          "relative path (absolute, '..', empty component, backslash, drive)")
    return name


def _check_entry(info: zipfile.ZipInfo) -> None:
    check_member_name(info.filename)
    mode = info.external_attr >> 16
    if info.is_dir():
        raise BundleError(f"member {info.filename!r} is a directory; a bundle holds files only")
    if info.create_system == 3 and mode and not stat.S_ISREG(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        raise BundleError(f"member {info.filename!r} is {kind} (mode {mode:#o}); refused")
    if info.flag_bits & 0x1:
        raise BundleError(f"member {info.filename!r} is encrypted; refused")
    if info.compress_type not in _METHODS:
        raise BundleError(f"member {info.filename!r} uses compression method "
                          f"{info.compress_type}; allowed: stored or deflate")


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path, "r")
    except FileNotFoundError as exc:
        raise BundleError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise BundleError(f"{path} is a directory, not a bundle file") from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BundleError(f"{path} is not a riskscope bundle (not a readable zip archive: "
                          f"{exc}); was it truncated?") from exc


def list_members(path: Path, limits: Limits) -> list[zipfile.ZipInfo]:
    """The archive's entries after the structural checks and caps (nothing decompressed)."""
    with _open_zip(path) as zf:
        infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise BundleError(f"{path} has {len(infos)} members; the limit is {limits.max_members}")
    seen: set[str] = set()
    total = 0
    for info in infos:
        _check_entry(info)
        if info.filename in seen:
            raise BundleError(f"member {info.filename!r} appears twice in {path}")
        seen.add(info.filename)
        if info.file_size > limits.max_member_bytes:
            raise BundleError(f"member {info.filename!r} expands to {info.file_size} bytes; the "
                              f"limit per member is {limits.max_member_bytes}")
        total += info.file_size
    if total > limits.max_total_bytes:
        raise BundleError(f"{path} expands to {total} bytes in all; the limit is "
                          f"{limits.max_total_bytes} (refused before extracting anything)")
    return infos


def read_members(path: Path, limits: Limits) -> dict[str, bytes]:
    """Every member's bytes, in memory, after `list_members`' checks; reading stops at each
    entry's declared size (zipfile also checks each entry's CRC-32)."""
    infos = list_members(path, limits)
    out: dict[str, bytes] = {}
    try:
        with _open_zip(path) as zf:
            for info in infos:
                with zf.open(info) as handle:
                    data = handle.read(info.file_size + 1)
                if len(data) != info.file_size:
                    raise BundleError(f"member {info.filename!r} holds {len(data)} bytes, not "
                                      f"the {info.file_size} its header declares")
                out[info.filename] = data
    except BundleError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
        raise BundleError(f"{path} is damaged: {exc} (truncated or altered?)") from exc
    except Exception as exc:  # zlib.error and friends: a damaged deflate stream
        raise BundleError(f"{path} is damaged: {type(exc).__name__}: {exc}") from exc
    return out


__all__ = ["FIXED_DATE", "Limits", "check_member_name", "list_members", "read_members",
           "write_zip"]
