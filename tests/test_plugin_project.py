"""The example outside project (examples/plugin_project): its study runs through the real
command line with `--plugin` (module or file), is found through a real `riskscope.studies`
entry point in a fresh process, and `show`/`report` work for it; its own model family trains
in a built-in study."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from riskscope.studies import registry
from tests.cli_runner import run_cli

PROJECT = Path(__file__).resolve().parents[1] / "examples" / "plugin_project"
SRC = PROJECT / "src"


@pytest.fixture
def example_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(SRC))
    yield
    registry._CLASSES.pop("width-margin", None)
    registry._CARDS.pop("width-margin", None)
    for name in [m for m in sys.modules if m.startswith("riskscope_example")]:
        del sys.modules[name]


def test_plugin_module_run_show_report(example_on_path, tmp_path, capsys):
    out = str(tmp_path / "res")
    code, stdout, err = run_cli(["run", "width-margin", "--preset", "smoke", "--plugin",
                                 "riskscope_example.study", "--out", out, "--no-report",
                                 "--threads", "1"], capsys)
    assert code == 0, err
    assert "margin" in stdout and "test_error" in stdout
    code, stdout, _ = run_cli(["show", "width-margin-smoke", "--out", out], capsys)
    assert code == 0 and "margin" in stdout
    code, stdout, err = run_cli(["report", "width-margin-smoke", "--out", out, "--plugin",
                                 str(SRC / "riskscope_example" / "study.py")], capsys)
    assert code == 0, err
    assert Path(stdout.strip()).is_file()


def test_bad_plugin_is_a_clear_usage_error(tmp_path, capsys):
    code, _, err = run_cli(["run", "train", "--plugin", "no_such_plugin_module",
                            "--out", str(tmp_path)], capsys)
    assert code == 2 and "no_such_plugin_module" in err and "importable" in err
    code, _, err = run_cli(["run", "train", "--plugin", str(tmp_path / "missing.py"),
                            "--out", str(tmp_path)], capsys)
    assert code == 2 and "missing.py" in err


@pytest.mark.slow
def test_entry_point_study_found_by_name_in_a_fresh_process(tmp_path):
    """A real distribution on the path (dist-info with entry_points.txt), as `pip install`
    of examples/plugin_project would leave it: `riskscope studies` lists the study and
    `riskscope run width-margin` runs it without --plugin."""
    site = tmp_path / "site"
    dist = site / "riskscope_example-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: riskscope-example\n"
                                   "Version: 0.1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[riskscope.studies]\nwidth-margin = riskscope_example.study:WidthMarginStudy\n",
        encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(SRC)]),
               OMP_NUM_THREADS="1")
    exe = [sys.executable, "-m", "riskscope"]
    listed = subprocess.run([*exe, "studies"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert listed.returncode == 0 and "width-margin" in listed.stdout
    ran = subprocess.run([*exe, "run", "width-margin", "--preset", "smoke", "--out",
                          str(tmp_path / "res"), "--no-report", "--threads", "1",
                          "--set", "training.steps=10"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert "4 finished now" in ran.stdout


def test_custom_family_from_the_project_trains(example_on_path, tmp_path):
    from riskscope.store import Store
    from riskscope.studies import load_spec, run_study

    spec = load_spec("train", "smoke", [
        "model.family=custom", 'model.factory="riskscope_example.models:gated_mlp"',
        "model.params={width = 8}", "training.steps=20"])
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        trials = store.trials(summary.run_id)
    assert summary.failed == 0 and set(trials["status"]) == {"done"}
    # members differ (each built under its own seed) and the risk is finite
    risks = trials["result.population_risk"].tolist()
    assert len(set(risks)) == len(risks)
