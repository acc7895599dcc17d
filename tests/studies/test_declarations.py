"""Every built-in study declares what it stores: each smoke run's results and series are
declared, in their declared ranges (or NaN where the declaration allows it); the cards load
without torch; user studies registered by class keep working."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from riskscope.core.declared_results import ResultDeclaration
from riskscope.store import Store, TrialRecord
from riskscope.studies import load_spec, run_study
from riskscope.studies.cards import BUILTIN_CARDS
from riskscope.studies.registry import (
    get_study,
    register_study,
    study_card,
    study_class,
    study_declaration,
    study_names,
)
from tests.studies.declared_check import declaration_problems

SMOKES = [(card.name, "smoke") for card in BUILTIN_CARDS] + [
    ("double-descent", "random-features-smoke"), ("feature-vs-kernel", "staircase-smoke"),
    ("single-index", "multi-index-smoke"), ("decomposition", "oracle")]


@pytest.mark.slow
@pytest.mark.parametrize(("study", "preset"), SMOKES, ids=[f"{s}:{p}" for s, p in SMOKES])
def test_smoke_run_stores_only_declared_results_in_range(study, preset, tmp_path):
    with Store(tmp_path) as store:
        summary = run_study(load_spec(study, preset), store, device="cpu", preset=preset)
        stored = ResultDeclaration.from_json(store.run(summary.run_id)["info"]["declaration"])
        assert stored == study_declaration(study)  # the runner stored it at run start
        assert declaration_problems(store, summary.run_id) == []


def test_every_builtin_study_has_a_card_matching_its_class():
    assert len(BUILTIN_CARDS) == 16 and {c.name for c in BUILTIN_CARDS} <= set(study_names())
    for name in (c.name for c in BUILTIN_CARDS):
        card = study_card(name)
        cls = study_class(name)
        assert cls.name == name and cls.description == card.description
        assert cls.declaration == card.declaration
        decl = card.declaration
        assert decl.headline(), f"{name} declares no headline result"
        assert all(r.meaning for r in decl.results), name
        assert ResultDeclaration.from_json(json.loads(json.dumps(decl.to_json()))) == decl
        # bookkeeping is never what a reader came for
        assert not {"diverged_at_step", "num_parameters", "group_size", "stop_step",
                    "lr"} & {r.name for r in decl.headline()}, name


def test_headline_results_are_what_a_researcher_comes_for():
    heads = {c.name: {r.name for r in c.declaration.headline()} for c in BUILTIN_CARDS}
    assert "sharpness_ratio_late" in heads["edge-of-stability"]
    assert {"relative_ntk_drift", "relative_weight_change"} <= heads["lazy-vs-rich"]
    assert "rate_ratio" in heads["convergence"]
    assert {"train_error", "test_error"} <= heads["random-labels"]
    assert {"approximation_error", "optimization_error", "generalization_gap",
            "remainder"} <= heads["decomposition"]


def test_listing_and_describing_studies_does_not_import_torch():
    code = ("import sys, json\n"
            "from riskscope.studies.registry import study_names, study_card, "
            "study_descriptions\n"
            "names = study_names(); study_descriptions()\n"
            "decls = [study_card(n).declaration.to_json() for n in names]\n"
            "heavy = [m for m in ('torch', 'cvxpy', 'pandas', 'matplotlib') "
            "if m in sys.modules]\n"
            "print(json.dumps([len(names), heavy]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == [16, []]


def test_get_study_imports_the_study_module_lazily():
    code = ("import sys\n"
            "from riskscope.studies.registry import get_study\n"
            "before = 'riskscope.studies.builtin.lazy_vs_rich' in sys.modules\n"
            "study = get_study('lazy-vs-rich')\n"
            "print(before, type(study).__name__, "
            "'riskscope.studies.builtin.lazy_vs_rich' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "LazyVsRichStudy", "True"]


def test_a_user_study_registered_by_class_runs_and_gets_a_declaration(tmp_path):
    from riskscope.studies.builtin.train import TrainStudy

    @register_study
    class Mine(TrainStudy):
        name = "mine-test-study"
        description = "a user's study"
        declaration = ResultDeclaration()
        summary_columns = ("population_risk", "train_risk")

    assert type(get_study("mine-test-study")) is Mine
    decl = study_declaration("mine-test-study")
    assert [r.name for r in decl.headline()] == ["population_risk", "train_risk"]
    spec = load_spec({"study": "mine-test-study", **_tiny()})
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        info = store.run(summary.run_id)["info"]
        assert ResultDeclaration.from_json(info["declaration"]) == decl


def _tiny() -> dict:
    return {"seeds": 1, "task": {"name": "teacher-student-regression", "input_dim": 2,
                                 "teacher_width": 2},
            "model": {"width": 4, "depth": 1},
            "training": {"optimizer": "sgd", "lr": 0.05, "steps": 5, "log_points": 3,
                         "batch_size": 0},
            "data": {"n_train": 8, "eval_samples": 32},
            "options": {"risk_samples": 100, "save_parameters": False}}


def test_the_check_finds_undeclared_and_out_of_range_results(tmp_path):
    decl = ResultDeclaration.from_json({"results": [
        {"name": "error", "meaning": "an error", "low": 0, "high": 1},
        {"name": "curve", "meaning": "a series", "kind": "series", "low": 0}]})
    with Store(tmp_path) as store:
        store.create_run("r", "r", "custom", None, {"study": "custom"}, "0" * 64)
        store.set_run_status("r", "done", declaration=decl.to_json())
        records = [TrialRecord(trial_hash=f"{i:064x}", run_id="r", params={"seed": i},
                               status=status, started_at=0.0, finished_at=1.0, environment={},
                               result=result, metrics={"curve": ([0, 1], [0.5, curve])})
                   for i, (status, result, curve) in enumerate([
                       ("done", {"error": 0.5}, 0.1),
                       ("done", {"error": 1.5, "extra": 2.0}, -1.0),
                       ("done", {"error": math.nan}, 0.2),
                       ("diverged", {"error": math.nan}, 0.3)])]
        store.add_trials("r", [(r.trial_hash, r.params) for r in records])
        store.commit_trials(records)
        problems = declaration_problems(store, "r")
    assert any("'extra' is stored but not declared" in p for p in problems)
    assert any("'error' = 1.5 outside" in p for p in problems)
    assert any("'error' is NaN in a finished trial" in p for p in problems)
    assert any("series 'curve'" in p for p in problems)
    assert len(problems) == 4
