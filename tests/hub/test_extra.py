"""Without the web stack, `riskscope hub serve` names the extra to install."""

from __future__ import annotations

import importlib.util

import pytest

from riskscope.hub import extra
from tests.cli_runner import run_cli


def test_missing_web_stack_names_the_extra(monkeypatch, tmp_path, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(extra.importlib.util, "find_spec",
                        lambda name, *a: None if name == "uvicorn" else real(name, *a))
    with pytest.raises(extra.MissingExtraError, match=r"riskscope\[hub\]"):
        extra.require_web_stack()
    code, _, err = run_cli(["hub", "serve", "--root", str(tmp_path / "hub")], capsys)
    assert code == 2
    assert "uvicorn" in err and "pip install 'riskscope[hub]'" in err
    assert not (tmp_path / "hub").exists()
