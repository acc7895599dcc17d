"""Each example runs (with small settings)."""

import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_decompose_small_runs(capsys):
    spec = importlib.util.spec_from_file_location("decompose_small",
                                                  EXAMPLES / "decompose_small.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(steps=30)
    out = capsys.readouterr().out
    assert "approximation_error" in out and "generalization_gap" in out
