"""A user's .py file run as a module: once per process, and nothing left behind on failure."""

import sys

import pytest

from riskscope.core.module_files import load_module_file


def test_same_file_is_one_module_and_a_failing_file_leaves_no_trace(tmp_path):
    good = tmp_path / "good.py"
    good.write_text("RUNS = []\nRUNS.append(1)\n")
    first = load_module_file(good, "rs_test_")
    assert load_module_file(tmp_path / "." / "good.py", "rs_test_") is first
    assert first.RUNS == [1]  # not run a second time
    bad = tmp_path / "bad.py"
    bad.write_text("raise RuntimeError('boom')\n")
    before = set(sys.modules)
    with pytest.raises(RuntimeError, match="boom"):
        load_module_file(bad, "rs_test_")
    assert set(sys.modules) == before
