"""Each example runs (with small settings)."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_decompose_small_runs(capsys):
    spec = importlib.util.spec_from_file_location("decompose_small",
                                                  EXAMPLES / "decompose_small.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(steps=30)
    out = capsys.readouterr().out
    assert "approximation_error" in out and "generalization_gap" in out


@pytest.mark.slow
def test_probe_your_cnn_runs(capsys):
    spec = importlib.util.spec_from_file_location("probe_your_cnn", EXAMPLES / "probe_your_cnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(steps=30, certificate_steps=10, weight_samples=200, examples=64)
    printed = capsys.readouterr().out
    assert "Hessian top-3" in printed and "PAC-Bayes 0-1 risk bound" in printed
    top = out["hessian_top3"]
    assert len(top) == 3 and top[0] >= top[1] >= top[2]
    assert 0 <= out["certificate"].zero_one.risk_bound <= 1
    assert [s.name for s in out["spectra"]] == ["0", "4", "6"]
