"""Every bad bundle is refused (BundleError; `riskscope import` exits 2) and the store is left
exactly as it was: a flipped byte, a truncated file, a member missing from or added beyond
the manifest, paths escaping the bundle, a link, an oversized expansion (declared and real),
a newer format, and files that are not bundles."""

from __future__ import annotations

import json
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from riskscope.exchange import BundleError, Limits, import_bundle, verify_bundle
from riskscope.exchange.archive import write_zip
from riskscope.exchange.layout import MANIFEST, dumps, sha256
from riskscope.store import Store
from tests.cli_runner import run_cli
from tests.exchange.conftest import table_dump


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _rezip(path: Path, members: dict[str, bytes], manifest_fix: bool = False) -> Path:
    """Write members (optionally with a manifest recomputed to match them)."""
    if manifest_fix:
        manifest = json.loads(members[MANIFEST])
        manifest["members"] = [{"name": n, "sha256": sha256(d), "size": len(d)}
                               for n, d in sorted(members.items()) if n != MANIFEST]
        members = {**members, MANIFEST: dumps(manifest)}
    write_zip(path, members, first=MANIFEST)
    return path


def _raw_zip(path: Path, entries: list[tuple[zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return path


def _flipped(src: Path, dst: Path) -> Path:
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("trials/"))
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:
                                                   info.header_offset + 30])
    data[info.header_offset + 30 + name_len + extra_len + 5] ^= 0x01  # inside its data
    dst.write_bytes(bytes(data))
    return dst


def _info(name: str, mode: int = stat.S_IFREG | 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def _lying_size(src: Path, dst: Path, size: int) -> Path:
    """The bundle with the central directory declaring `size` bytes for one member."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        names = [i.filename for i in zf.infolist()]
    target = next(n for n in names if n.startswith("trials/")).encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack("<H", data[at + 28:at + 30])[0]
        if bytes(data[at + 46:at + 46 + name_len]) == target:
            data[at + 24:at + 28] = struct.pack("<I", size)
            break
        at = data.find(b"PK\x01\x02", at + 4)
    dst.write_bytes(bytes(data))
    return dst


def _cases(src: Path, d: Path) -> dict[str, tuple[Path, str]]:
    m = _members(src)
    trial = next(n for n in m if n.startswith("trials/"))
    newer = json.loads(m[MANIFEST])
    newer["format"] = 99
    return {
        "flipped byte": (_flipped(src, d / "flipped"), "damaged|does not match|CRC"),
        "truncated": (d.joinpath("truncated").write_bytes(src.read_bytes()[:-200]) and
                      d / "truncated", "not a riskscope bundle|damaged|truncated"),
        "truncated half": (d.joinpath("half").write_bytes(src.read_bytes()[:len(
            src.read_bytes()) // 2]) and d / "half", "not a riskscope bundle|damaged"),
        "member missing": (_rezip(d / "missing", {k: v for k, v in m.items() if k != trial}),
                           "missing"),
        "member added": (_rezip(d / "added", {**m, "notes.txt": b"hello"}),
                         "not in the manifest"),
        "member added and listed": (_rezip(d / "listed", {**m, "notes.txt": b"hi"},
                                           manifest_fix=True), "not part of a bundle"),
        "params altered, manifest fixed": (_rezip(d / "altered", {
            **m, trial: m[trial].replace(b'"seed":', b'"seed":1', 1)},
            manifest_fix=True), "params hash to"),
        "escaping path": (_raw_zip(d / "escape", [(_info(MANIFEST), m[MANIFEST]),
                                                  (_info("../evil.txt"), b"x")]),
                          "leaves the bundle"),
        "absolute path": (_raw_zip(d / "absolute", [(_info(MANIFEST), m[MANIFEST]),
                                                    (_info("/tmp/evil.txt"), b"x")]),
                          "leaves the bundle"),
        "link": (_raw_zip(d / "link", [(_info(MANIFEST), m[MANIFEST]),
                                       (_info("trials/link", stat.S_IFLNK | 0o777),
                                        b"/etc/passwd")]), "symbolic link"),
        "device": (_raw_zip(d / "device", [(_info(MANIFEST), m[MANIFEST]),
                                           (_info("report/dev", stat.S_IFCHR | 0o644), b"")]),
                   "not a regular file"),
        "oversized (declared)": (_lying_size(src, d / "lying", 0xF0000000),
                                 "expands to|limit"),
        "newer format": (_rezip(d / "newer", {**m, MANIFEST: dumps(newer)}), "newer"),
        "not a zip": (d.joinpath("text").write_bytes(b"hello, not a bundle\n" * 20)
                      and d / "text", "not a riskscope bundle"),
        "zip without manifest": (_raw_zip(d / "nomanifest", [(_info("a.txt"), b"a")]),
                                 "not a riskscope bundle"),
        "json file": (d.joinpath("json").write_bytes(m[MANIFEST]) and d / "json",
                      "not a riskscope bundle"),
    }


@pytest.fixture(scope="module")
def bad(smoke_bundle, tmp_path_factory):
    return _cases(smoke_bundle.path, tmp_path_factory.mktemp("bad"))


@pytest.fixture(scope="module")
def target(smoke, tmp_path_factory):
    """A store that already holds something (another smoke run's import)."""
    from tests.exchange.conftest import smoke_run

    store, _ = smoke_run(tmp_path_factory.mktemp("target"), "seeds=[5]")
    store.close()
    return store.directory


CASES = ["flipped byte", "truncated", "truncated half", "member missing", "member added",
         "member added and listed", "params altered, manifest fixed", "escaping path",
         "absolute path", "link", "device", "oversized (declared)", "newer format",
         "not a zip", "zip without manifest", "json file"]


@pytest.mark.parametrize("case", CASES)
def test_bad_bundle_is_refused_and_the_store_unchanged(case, bad, target, capsys):
    path, message = bad[case]
    with pytest.raises(BundleError, match=message):
        verify_bundle(path)
    before = table_dump(target)
    code, out, err = run_cli(["import", str(path), "--out", str(target)], capsys)
    assert code == 2, (case, out, err)
    assert err.startswith("error: ") and "Traceback" not in err
    assert table_dump(target) == before
    with Store(target) as store, pytest.raises(BundleError):
        import_bundle(path, store)
    assert table_dump(target) == before


def test_refused_bundle_does_not_create_a_store(bad, tmp_path, capsys):
    code, _, _ = run_cli(["import", str(bad["link"][0]), "--out", str(tmp_path / "new")],
                         capsys)
    assert code == 2 and not (tmp_path / "new").exists()


def test_expansion_caps_are_checked_before_extracting(smoke_bundle):
    size = smoke_bundle.path.stat().st_size
    with pytest.raises(BundleError, match="in all; the limit"):
        verify_bundle(smoke_bundle.path, Limits(max_total_bytes=size // 2))
    with pytest.raises(BundleError, match="limit per member"):
        verify_bundle(smoke_bundle.path, Limits(max_member_bytes=1000))
    with pytest.raises(BundleError, match="members; the limit"):
        verify_bundle(smoke_bundle.path, Limits(max_members=3))


def test_a_real_zip_bomb_is_stopped_by_the_cap(tmp_path):
    path = _raw_zip(tmp_path / "bomb", [])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_info(MANIFEST), b"{}")
        info = _info("report/zeros")
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, b"\0" * (64 << 20))  # 64 MiB of zeros, ~64 KiB compressed
    assert path.stat().st_size < 1 << 20
    with pytest.raises(BundleError, match="limit"):
        verify_bundle(path, Limits(max_total_bytes=16 << 20))


def test_a_symlinked_bundle_path_is_refused(smoke_bundle, tmp_path):
    link = tmp_path / "link.rsbundle"
    link.symlink_to(smoke_bundle.path)
    with pytest.raises(BundleError, match="symbolic link"):
        verify_bundle(link)
