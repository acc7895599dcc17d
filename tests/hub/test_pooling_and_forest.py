"""The study page's pooling and the claim page's forest plot, on tiny cases computed by hand."""

from __future__ import annotations

import itertools
import math

import pytest
from scipy import stats

from riskscope.hub.forest import forest_svg, nice_ticks
from riskscope.hub.pooling import mean_interval, pool_runs
from riskscope.hub.record import pool_key


def test_mean_interval_is_the_student_t_interval():
    values = [0.1, 0.3, 0.2, 0.6]
    got = mean_interval(values)
    mean = sum(values) / 4
    half = stats.t.ppf(0.975, 3) * stats.sem(values)
    assert got["mean"] == pytest.approx(mean)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((mean - half, mean + half))
    assert got["n"] == 4
    assert mean_interval([0.5, None, math.nan]) == {"mean": 0.5, "ci_low": None,
                                                    "ci_high": None, "n": 1}
    assert mean_interval([])["mean"] is None


def trial(th: str, width: int, value: float, status: str = "done") -> dict:
    return {"trial_hash": th, "status": status, "params": {"model.width": width},
            "result": {"risk": value}}


def test_pooling_counts_a_shared_trial_once_and_skips_unfinished_ones():
    a = {"headline": ["risk"], "trials": [trial("t1", 8, 1.0), trial("t2", 8, 3.0),
                                          trial("t3", 32, 5.0)]}
    b = {"headline": ["risk"], "trials": [trial("t2", 8, 99.0), trial("t4", 8, 5.0),
                                          trial("t5", 32, 7.0, "failed")]}
    pooled = pool_runs([("a", a), ("b", b)])
    assert pooled["trials"] == 4 and pooled["shared_trials"] == 1
    rows = {r["params"]["model.width"]: r["results"]["risk"] for r in pooled["rows"]}
    assert rows[8]["mean"] == pytest.approx(3.0) and rows[8]["n"] == 3  # 1, 3 (first), 5
    assert rows[32] == {"mean": 5.0, "ci_low": None, "ci_high": None, "n": 1}


def test_pool_key_ignores_only_seeds_name_device_and_group_size():
    spec = {"study": "train", "seeds": 2, "name": "a", "device": "cpu", "max_group_size": 8,
            "model": {"width": 16}}
    same = {**spec, "seeds": [5, 6], "name": "b", "device": "cuda", "max_group_size": 1024}
    assert pool_key(spec) == pool_key(same)
    assert pool_key(spec) != pool_key({**spec, "model": {"width": 32}})


def test_forest_plot_escapes_labels_and_draws_one_row_per_run():
    rows = [{"label": "<script>alert(1)</script>", "estimate": 0.2, "low": 0.1, "high": 0.3,
             "verdict": "holds"},
            {"label": "b & c", "estimate": 0.7, "low": 0.55, "high": 0.9, "verdict": "fails"},
            {"label": "no interval", "estimate": None, "low": None, "high": None,
             "verdict": "inconclusive"}]
    svg = forest_svg(rows, (None, 0.5), "mean <risk>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "b &amp; c" in svg
    assert svg.count("<circle") == 2 and "mean &lt;risk&gt;" in svg
    assert svg.count('class="region"') == 1  # the stated region x ≤ 0.5
    assert 'class="region"' not in forest_svg(rows, (None, None))  # no region stated


def test_nice_ticks_cover_the_range_with_round_steps():
    assert nice_ticks(0.0, 1.0) == [0.0, 0.25, 0.5, 0.75, 1.0]
    ticks = nice_ticks(-0.13, 0.42)
    assert ticks[0] >= -0.13 and ticks[-1] <= 0.42 and len(ticks) >= 3
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
