"""`riskscope describe` prints a study's declaration; `show` and `run` print the headline
results (the sharpness ratio, not bookkeeping such as diverged_at_step)."""

from __future__ import annotations

import json

from riskscope.core.declared_results import ResultDeclaration
from riskscope.store import Store, TrialRecord
from riskscope.studies.registry import study_declaration
from tests.cli_runner import run_cli


def test_describe_prints_the_declaration(capsys):
    code, out, err = run_cli(["describe", "edge-of-stability"], capsys)
    assert code == 0, err
    assert "headline results: sharpness_ratio_late" in out
    assert "diverged_at_step" in out and "2/η" in out
    code, out, _ = run_cli(["describe", "lazy-vs-rich", "--json"], capsys)
    data = json.loads(out)
    assert data["study"] == "lazy-vs-rich"
    decl = ResultDeclaration.from_json(data["declaration"])
    assert decl == study_declaration("lazy-vs-rich")
    assert {r.name for r in decl.headline()} >= {"relative_ntk_drift", "relative_weight_change"}


def test_describe_unknown_study_exits_2(capsys):
    code, _, err = run_cli(["describe", "edge-of-stabilty"], capsys)
    assert code == 2 and "edge-of-stabilty" in err and "edge-of-stability" in err


def test_show_prints_the_headline_results(tmp_path, capsys):
    with Store(tmp_path) as store:
        store.create_run("eos", "eos", "edge-of-stability", "smoke",
                         {"study": "edge-of-stability"}, "0" * 64)
        records = [TrialRecord(
            trial_hash=f"{i:064x}", run_id="eos", params={"seed": i, "training": {"lr": lr}},
            status="done", started_at=0.0, finished_at=1.0, environment={},
            result={"sharpness_ratio_late": 0.9 + 0.01 * i, "max_sharpness": 2 / lr,
                    "threshold": 2 / lr, "diverged_at_step": -1, "group_size": 4})
            for i, lr in enumerate([0.1, 0.1, 0.2, 0.2])]
        store.add_trials("eos", [(r.trial_hash, r.params) for r in records])
        store.commit_trials(records)
        store.set_run_status("eos", "done",
                             declaration=study_declaration("edge-of-stability").to_json())
    code, out, err = run_cli(["show", "eos", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert "sharpness_ratio_late" in out and "threshold" in out
    assert "diverged_at_step" not in out and "group_size" not in out
    code, out, _ = run_cli(["show", "eos", "--out", str(tmp_path), "--json"], capsys)
    data = json.loads(out)
    assert data["headline"] == ["sharpness_ratio_late", "max_sharpness", "threshold"]
    assert data["declaration"]["headline_figure"] == "curves_metrics"
    # the documented keys stay
    assert {"schema", "run_id", "counts", "varying", "trials", "summary", "prerequisites"} \
        <= set(data)


def test_show_of_a_run_stored_before_declarations_uses_the_study_card(tmp_path, capsys):
    with Store(tmp_path) as store:
        store.create_run("old", "old", "lazy-vs-rich", "smoke", {"study": "lazy-vs-rich"},
                         "0" * 64)
        records = [TrialRecord(
            trial_hash=f"{i:064x}", run_id="old", params={"seed": i, "model": {"width": w}},
            status="done", started_at=0.0, finished_at=1.0, environment={},
            result={"relative_ntk_drift": 1 / w, "relative_weight_change": 2 / w,
                    "lr_used": 0.5, "num_parameters": 10 * w, "train_loss": 0.1})
            for i, w in enumerate([16, 16, 64, 64])]
        store.add_trials("old", [(r.trial_hash, r.params) for r in records])
        store.commit_trials(records)
        store.set_run_status("old", "done")  # no declaration: an older run
    code, out, err = run_cli(["show", "old", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert "relative_ntk_drift" in out and "relative_weight_change" in out
    assert "num_parameters" not in out and "lr_used" not in out
