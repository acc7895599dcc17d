"""Compare: Welch intervals checked by hand on a tiny case, n = 1 handled honestly; a planted
difference is found; two seeds' worth of the same run agree; environments are listed."""

from __future__ import annotations

import json
import math
import sqlite3

import numpy as np
import pytest
from scipy import stats

from riskscope.exchange.compare import compare_runs, welch_difference
from riskscope.exchange.sources import view_of_run
from riskscope.store import Store
from tests.cli_runner import run_cli
from tests.exchange.conftest import copy_store, smoke_run


def test_welch_interval_matches_a_hand_computation():
    a, b = np.array([1.0, 2.0, 4.0]), np.array([0.5, 0.7, 0.9, 1.4])
    diff, low, high, method, verdict = welch_difference(a, b, 0.95)
    va, vb = a.var(ddof=1) / 3, b.var(ddof=1) / 4
    df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 3)
    half = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
    assert diff == pytest.approx(a.mean() - b.mean())
    assert (low, high) == pytest.approx((diff - half, diff + half))
    assert method == "welch" and verdict == "agree"  # the interval holds 0 here
    # scipy's Welch test agrees on the verdict at every level
    p = stats.ttest_ind(a, b, equal_var=False).pvalue
    assert (p < 0.05) == (verdict == "differ")


def test_one_seed_is_handled_honestly():
    d, low, high, method, verdict = welch_difference(np.array([1.0]), np.array([2.0]), 0.95)
    assert (low, high, verdict) == (None, None, "inconclusive") and d == -1.0
    assert welch_difference(np.array([3.0]), np.array([3.0]), 0.95)[4] == "identical"
    b = np.array([1.0, 1.2, 0.8])
    d, low, high, method, verdict = welch_difference(np.array([5.0]), b, 0.95)
    half = stats.t.ppf(0.975, 2) * b.std(ddof=1) * math.sqrt(1 + 1 / 3)
    assert (low, high) == pytest.approx((d - half, d + half))
    assert "variance of B only" in method and verdict == "differ"
    # no spread on either side: exact values either equal or differ
    assert welch_difference(np.array([1.0, 1.0]), np.array([2.0, 2.0]), 0.95)[4] == "differ"


def test_welch_coverage_under_the_null():
    """Simulated: per-row 95% intervals of two samples from one distribution hold the true
    difference 0 about 95% of the time (Welch is near-exact for normal data)."""
    gen = np.random.default_rng(0)
    hits = sum(welch_difference(gen.normal(0, 1, 4), gen.normal(0, 2, 5), 0.95)[4] != "differ"
               for _ in range(2000))
    assert 0.93 < hits / 2000 < 0.97


@pytest.fixture(scope="module")
def seeds_2_3(tmp_path_factory):
    store, run_id = smoke_run(tmp_path_factory.mktemp("seeds23"), "seeds=[2, 3]")
    yield store, run_id
    store.close()


@pytest.fixture(scope="module")
def four_seeds(tmp_path_factory):
    """The smoke run with 4 seeds (with 2, a Welch interval has ~1 degree of freedom and is
    too wide to see a moderate difference; docs/exchange.md says so)."""
    store, run_id = smoke_run(tmp_path_factory.mktemp("seeds4"), "seeds=4")
    yield store, run_id
    store.close()


@pytest.fixture(scope="module")
def planted(four_seeds, tmp_path_factory):
    """The 4-seed run with population_risk of the width-8 trials raised by 0.5."""
    store, run_id = four_seeds
    copy = copy_store(store, tmp_path_factory.mktemp("planted") / "store")
    frame = copy.trials(run_id)
    rows = [(th, copy.trial_row(th)["result"]) for th in
            frame.loc[frame["model.width"] == 8, "trial_hash"]]
    directory = copy.directory
    copy.close()
    conn = sqlite3.connect(directory / "riskscope.sqlite")
    for th, result in rows:
        result["population_risk"] += 0.5
        conn.execute("UPDATE trials SET result_json = ? WHERE trial_hash = ?",
                     (json.dumps(result), th))
    conn.commit()
    conn.close()
    store2 = Store(directory)
    yield store2, run_id
    store2.close()


def test_compare_finds_a_planted_difference(four_seeds, planted):
    comparison = compare_runs(four_seeds, planted)
    differing = comparison.differing()
    assert comparison.verdict == "differ"
    assert [(r.config, r.result) for r in differing] == [({"model.width": 8},
                                                          "population_risk")]
    (row,) = differing
    assert row.difference == pytest.approx(-0.5) and row.ci_low <= -0.5 <= row.ci_high
    others = [r for r in comparison.rows if r not in differing]
    assert others and {r.verdict for r in others} == {"identical"}
    assert {r.result for r in comparison.rows} == {"population_risk", "train_risk",
                                                   "generalization_gap", "excess_risk"}


def test_two_seeds_worth_of_the_same_run_agree(smoke, seeds_2_3):
    comparison = compare_runs(smoke, seeds_2_3)
    assert comparison.rows and not comparison.differing()
    assert comparison.verdict in ("agree", "inconclusive")
    assert {r.n_a for r in comparison.rows} == {2} == {r.n_b for r in comparison.rows}
    assert comparison.only_in_a == comparison.only_in_b == 0
    assert comparison.environment == []


def test_compare_lists_environment_differences(four_seeds, planted):
    store, run_id = planted
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE trials SET environment_json = json_set(environment_json, '$.torch', "
                 "'9.9.9')")
    conn.commit()
    conn.close()
    comparison = compare_runs(four_seeds, view_of_run(store, run_id))
    keys = {e["key"]: e for e in comparison.environment}
    assert keys["torch"]["b"] == ["9.9.9"] and keys["torch"]["a"] != ["9.9.9"]


def test_cli_compare_bundles_and_runs(smoke, smoke_bundle, seeds_2_3, capsys):
    store, run_id = smoke
    code, out, err = run_cli(["compare", str(smoke_bundle.path), run_id, "--out",
                              str(store.directory), "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["verdict"] == "identical" and data["schema"] == "riskscope.compare/1"
    other_store, other_run = seeds_2_3
    from riskscope.exchange import write_bundle

    other = write_bundle(other_store, other_run, store.directory / "x.rsbundle",
                         with_report=False)
    code, out, _ = run_cli(["compare", str(smoke_bundle.path), str(other.path)], capsys)
    assert code == 0 and "verdict: " in out and "population_risk" in out
    code, _, err = run_cli(["compare", "nope", run_id, "--out", str(store.directory)], capsys)
    assert code == 2 and "no run 'nope'" in err
