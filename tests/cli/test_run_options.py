"""`run --executor/--ray-address`: a clear message when Ray is missing or misused."""

from __future__ import annotations

import sys

from tests.cli_runner import run_cli

SMALL = ["--set", "training.steps=5", "--no-report"]


def test_missing_ray_is_exit_2_saying_how_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    code, _, err = run_cli(["run", "train", "--preset", "smoke", "--out", str(tmp_path),
                            "--executor", "ray", *SMALL], capsys)
    assert code == 2 and "Traceback" not in err
    assert "pip install 'riskscope[ray]'" in err
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def test_ray_address_with_the_local_executor_is_refused(tmp_path, capsys):
    code, _, err = run_cli(["run", "train", "--preset", "smoke", "--out", str(tmp_path),
                            "--executor", "local", "--ray-address", "auto", *SMALL], capsys)
    assert code == 2 and "--ray-address" in err and "only with --executor ray" in err
