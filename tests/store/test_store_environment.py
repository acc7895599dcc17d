"""environment_record: its keys, and the git revision of the working directory."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from riskscope.store import environment_record

KEYS = {
    "python", "platform", "torch", "numpy", "riskscope", "device", "device_name", "cpu_count",
    "git_revision", "dirty",
}  # fmt: skip


def test_environment_record_keys_and_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not a git repository
    record = environment_record("cpu")
    assert set(record) >= KEYS
    assert record["device"] == "cpu" and record["cpu_count"] >= 1
    assert record["git_revision"] is None and record["dirty"] is None
    json.dumps(record)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_revision_and_dirty_flag(tmp_path, monkeypatch):
    def git(*args):
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=tmp_path, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip

    git("init", "-q")
    (tmp_path / "a.txt").write_text("1")
    git("add", "a.txt")
    git("commit", "-q", "-m", "one")
    monkeypatch.chdir(tmp_path)
    record = environment_record("cpu")
    assert record["git_revision"] == git("rev-parse", "HEAD") and record["dirty"] is False
    (tmp_path / "a.txt").write_text("2")
    assert environment_record("cpu")["dirty"] is True
