"""Honest intervals (report/intervals.py): a quantity shared by all seeds keeps its stored
Monte-Carlo interval; a t-interval is cut to the declared range (coverage unchanged) or marked
not informative; `run_summary` uses the stored declaration."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from riskscope.core.declared_results import DeclaredResult, ResultDeclaration
from riskscope.report.intervals import SHARED_METHOD, SINGLE_METHOD, T_METHOD, mean_interval
from riskscope.report.run_summary import run_summary
from riskscope.store import Store, TrialRecord

ACCURACY = DeclaredResult("accuracy", "an accuracy", low=0, high=1)


def test_t_interval_matches_the_exact_student_t_computation():
    values = np.array([0.2, 0.5, 0.4])
    out = mean_interval(values)
    half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / math.sqrt(3)
    assert math.isclose(out["ci_low"], values.mean() - half, rel_tol=1e-6)
    assert math.isclose(out["ci_high"], values.mean() + half, rel_tol=1e-6)
    assert out["ci_method"] == T_METHOD and not out["ci_clipped"] and out["ci_informative"]


def test_two_seeds_of_an_accuracy_never_leave_zero_one():
    # the case of the issue: mean 0.01 over 2 seeds gives the t-interval [-0.117, 0.137]
    out = mean_interval(np.array([0.0, 0.02]), ACCURACY)
    half = stats.t.ppf(0.975, 1) * np.std([0.0, 0.02], ddof=1) / math.sqrt(2)
    assert out["ci_low"] == 0.0 and math.isclose(out["ci_high"], 0.01 + half, rel_tol=1e-6)
    assert out["ci_clipped"] and out["ci_informative"]
    # spread over the whole range: cut to [0, 1], which says nothing
    wide = mean_interval(np.array([0.1, 0.9]), ACCURACY)
    assert (wide["ci_low"], wide["ci_high"]) == (0.0, 1.0) and not wide["ci_informative"]


def test_cutting_to_the_range_keeps_the_coverage():
    """The true mean lies in the declared range, so the cut interval covers it exactly when the
    t-interval does: the coverage (about 95% for normal data) is unchanged."""
    gen = np.random.default_rng(0)
    declared = DeclaredResult("x", "x", low=0.0)
    true_mean, hits_t, hits_cut, cut = 0.05, 0, 0, 0
    for _ in range(4000):
        sample = gen.normal(true_mean, 0.1, size=3)
        plain = mean_interval(sample)
        honest = mean_interval(sample, declared)
        hits_t += plain["ci_low"] <= true_mean <= plain["ci_high"]
        hits_cut += honest["ci_low"] <= true_mean <= honest["ci_high"]
        cut += honest["ci_clipped"]
        assert honest["ci_low"] >= 0.0
    assert hits_t == hits_cut and cut > 1000
    assert abs(hits_t / 4000 - 0.95) < 0.015


def test_a_quantity_shared_by_all_seeds_keeps_its_stored_interval():
    values = np.full(3, 0.68)
    out = mean_interval(values, None, np.full(3, 0.656), np.full(3, 0.709))
    assert (out["ci_low"], out["ci_high"], out["ci_method"]) == (0.656, 0.709, SHARED_METHOD)
    one = mean_interval(np.array([0.3]), None, np.array([0.2]), np.array([0.4]))
    assert (one["ci_low"], one["ci_high"], one["ci_method"]) == (0.2, 0.4, SINGLE_METHOD)
    # values that differ across seeds: the interval over seeds, not a stored one
    spread = mean_interval(np.array([0.6, 0.7, 0.8]), None, np.full(3, 0.5), np.full(3, 0.9))
    assert spread["ci_method"] == T_METHOD
    # no finite value: nothing
    assert mean_interval(np.array([math.nan]))["mean"] is None


def test_run_summary_uses_the_declaration_stored_with_the_run(tmp_path):
    decl = ResultDeclaration((
        DeclaredResult("accuracy", "an accuracy", low=0, high=1, headline=True),
        DeclaredResult("approximation_error", "shared by seeds", headline=True),
        DeclaredResult("approximation_error_ci_*", "its interval"),
        DeclaredResult("steps", "bookkeeping", low=0)))
    with Store(tmp_path) as store:
        store.create_run("r", "r", "custom", None, {"study": "custom"}, "0" * 64)
        records = [TrialRecord(
            trial_hash=f"{i:064x}", run_id="r", params={"seed": i}, status="done",
            started_at=0.0, finished_at=1.0, environment={},
            result={"accuracy": acc, "approximation_error": 0.68,
                    "approximation_error_ci_low": 0.656, "approximation_error_ci_high": 0.709,
                    "steps": 10}) for i, acc in enumerate([0.0, 0.02])]
        store.add_trials("r", [(r.trial_hash, r.params) for r in records])
        store.commit_trials(records)
        store.set_run_status("r", "done", declaration=decl.to_json())
        summary = run_summary(store, "r")
        store.set_run_status("r", "done", declaration=None)
        older = run_summary(store, "r")
    results = summary["summary"][0]["results"]
    assert summary["headline"] == ["accuracy", "approximation_error"]
    assert summary["declaration"] == decl.to_json()
    assert results["accuracy"]["ci_low"] == 0.0 and results["accuracy"]["ci_clipped"]
    assert (results["approximation_error"]["ci_low"],
            results["approximation_error"]["ci_high"]) == (0.656, 0.709)
    # a run without a declaration: no range to cut to, a fallback headline
    assert older["declaration"] is None and older["headline"]
    assert older["summary"][0]["results"]["accuracy"]["ci_low"] < 0
