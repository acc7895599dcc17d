"""The command line: exit codes, messages, and what a user sees."""

import json
import sqlite3
import subprocess
import sys

import pytest
import torch

from riskscope.store import Store
from tests.cli_runner import run_cli

SMALL = ["--set", "training.steps=20", "--set", "options.risk_samples=300", "--no-report"]




def test_studies_lists_builtins(capsys):
    code, out, _ = run_cli(["studies"], capsys)
    assert code == 0 and "train" in out


def test_run_ls_show_and_resume(tmp_path, capsys):
    code, out, err = run_cli(["run", "train", "--preset", "smoke", "--out", str(tmp_path),
                              *SMALL], capsys)
    assert code == 0, err
    assert "4 trials, 0 already in the store" in out.replace("\n", " ")
    threads = torch.get_num_threads()
    with Store(tmp_path) as store:  # the default thread policy trains with one thread
        envs = [store.environment(th) for th in store.trials(store.runs().iloc[0]["run_id"])
                ["trial_hash"]]
    assert {env["torch_threads"] for env in envs} == {1}
    assert torch.get_num_threads() == threads  # and puts the process's setting back
    code, out, _ = run_cli(["run", "train", "--preset", "smoke", "--out", str(tmp_path),
                            "--threads", "1", *SMALL], capsys)
    assert code == 0 and "4 already in the store" in out.replace("\n", " ")
    code, out, _ = run_cli(["ls", "--out", str(tmp_path)], capsys)
    assert code == 0 and "train-smoke" in out
    code, out, _ = run_cli(["show", "train-smoke", "--out", str(tmp_path), "--json"], capsys)
    data = json.loads(out)
    assert data["schema"] == "riskscope.show/2"
    assert data["counts"] == {"trials": 4, "finished": 4, "diverged": 0, "failed": 0,
                              "pending": 0}
    assert data["varying"] == ["model.width"]
    assert {r["params"]["model.width"] for r in data["summary"]} == {8, 32}
    row = data["summary"][0]["results"]["population_risk"]
    assert row["n"] == 2 and row["ci_low"] <= row["mean"] <= row["ci_high"]
    code, out, _ = run_cli(["show", "train-smoke", "--out", str(tmp_path)], capsys)
    assert code == 0 and "population_risk" in out


@pytest.mark.parametrize("args,pattern", [
    (["run", "trian"], "did you mean 'train'"),
    (["run", "train", "--set", "model.widht=3"], "did you mean 'width'"),
    (["run", "train", "--set", "model.width=-3"], "model.width: got -3"),
    (["run", "train", "--set", "data.n_train=0"], "data.n_train: got 0"),
    (["run", "train", "--set", "training.lr=fast"], "training.lr: got 'fast'"),
    (["run", "train", "--preset", "medium"], "--preset: got 'medium'"),
    (["run", "train", "--set", "task.name=nope"], "task.name: got 'nope'"),
    (["run", "train", "--threads", "0"], "'--threads': 0 is not in the range x>=1"),
    (["run", "train", "--set", "grid={x", "--set", "seeds=2"], "grid: got '{x'"),
])
def test_bad_input_exits_2_with_a_precise_message(args, pattern, tmp_path, capsys):
    code, _, err = run_cli([*args, "--out", str(tmp_path / "r")], capsys)
    assert code == 2
    assert pattern in " ".join(err.split())
    assert not (tmp_path / "r").exists()  # nothing written before validation passed


def test_corrupt_and_foreign_stores_are_refused(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "riskscope.sqlite").write_bytes(b"\x00garbage" * 100)
    code, _, err = run_cli(["ls", "--out", str(bad)], capsys)
    assert code == 2 and "riskscope.sqlite" in err
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    con = sqlite3.connect(foreign / "riskscope.sqlite")
    con.execute("create table photos (id integer)")
    con.commit()
    con.close()
    before = (foreign / "riskscope.sqlite").read_bytes()
    code, _, err = run_cli(["run", "train", "--preset", "smoke", "--out", str(foreign)],
                           capsys)
    assert code == 2 and "riskscope.sqlite" in err
    assert (foreign / "riskscope.sqlite").read_bytes() == before
    code, _, err = run_cli(["ls", "--out", str(tmp_path / "missing")], capsys)
    assert code == 2


def test_show_unknown_run(tmp_path, capsys):
    run_cli(["run", "train", "--preset", "smoke", "--out", str(tmp_path), *SMALL], capsys)
    code, _, err = run_cli(["show", "nosuchrun", "--out", str(tmp_path)], capsys)
    assert code == 2 and "train-smoke" in err


def test_console_script_entry_point(tmp_path):
    result = subprocess.run([sys.executable, "-m", "riskscope", "run", "train", "--preset",
                             "smoke", "--set", "model.depth=0", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "model.depth: got 0" in " ".join(result.stderr.split())
