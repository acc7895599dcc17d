"""Each check kind on constructed stores: known results give the expected holds / fails /
inconclusive, and the numbers behind the verdict equal a hand computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from riskscope.claims import check_claim, parse_claim, verdicts_for_run
from riskscope.store import Store

from .store_builder import add_run, seeds


def claim(check: dict, where: dict | None = None, study: str = "lazy-vs-rich",
          preset: str | None = None, claim_id: str = "c") -> object:
    data = {"id": claim_id, "statement": "s", "source": "test", "study": study,
            "check": check}
    select = {}
    if where:
        select["where"] = where
    if preset:
        select["preset"] = preset
    if select:
        data["select"] = select
    return parse_claim(data)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "results") as s:
        yield s


def _only(verdicts):
    assert len(verdicts) == 1
    return verdicts[0]


# -- interval ---------------------------------------------------------------------------------
def test_interval_holds_fails_inconclusive_with_the_student_t_interval(store):
    rows = (seeds({"model.width": 1}, "train_loss", [1.0, 1.01, 0.99])       # inside
            + seeds({"model.width": 2}, "train_loss", [2.0, 2.01, 1.99])     # outside
            + seeds({"model.width": 3}, "train_loss", [1.0, 1.2, 0.8]))      # straddles
    add_run(store, "r1", "lazy-vs-rich", rows)
    c = claim({"kind": "interval", "result": "train_loss", "lo": 0.9, "hi": 1.1})
    v = _only(check_claim(c, store))
    verdicts = {e.configuration["model.width"]: e.verdict for e in v.evidence}
    assert verdicts == {1: "holds", 2: "fails", 3: "inconclusive"}
    assert v.verdict == "fails"  # one failing configuration decides the run
    assert v.estimate == pytest.approx(2.0)
    x = np.array([1.0, 1.2, 0.8])
    half = stats.t.ppf(0.975, 2) * x.std(ddof=1) / math.sqrt(3)
    third = v.evidence[2].interval
    assert (third.low, third.high) == pytest.approx((1.0 - half, 1.0 + half))
    assert third.n == 3 and v.boundary == (0.9, 1.1)


def test_interval_pool_and_one_sided_regions(store):
    rows = seeds({"model.width": 1}, "train_loss", [1.0, 1.1]) + \
        seeds({"model.width": 2}, "train_loss", [0.9, 1.0])
    add_run(store, "r1", "lazy-vs-rich", rows)
    pooled = _only(check_claim(claim({"kind": "interval", "result": "train_loss",
                                      "hi": 5.0, "pool": True}), store))
    assert pooled.verdict == "holds" and pooled.n == 4
    assert pooled.estimate == pytest.approx(1.0)
    below = _only(check_claim(claim({"kind": "interval", "result": "train_loss",
                                     "hi": 0.5, "pool": True}), store))
    assert below.verdict == "fails" and below.boundary == (-math.inf, 0.5)


def test_a_single_trial_uses_its_stored_interval_else_is_inconclusive(store):
    rows = [({"model.width": 8, "seed": 0}, {"train_loss": 0.003, "train_loss_ci_low": -0.002,
                                            "train_loss_ci_high": 0.008}),
            ({"model.width": 16, "seed": 0}, {"train_loss": 0.003})]
    add_run(store, "r1", "lazy-vs-rich", rows)
    v = _only(check_claim(claim({"kind": "interval", "result": "train_loss",
                                 "lo": -0.01, "hi": 0.01}), store))
    first, second = v.evidence
    assert first.verdict == "holds"
    assert (first.interval.low, first.interval.high) == (-0.002, 0.008)
    assert second.verdict == "inconclusive" and math.isinf(second.interval.high)


def test_each_trial_on_its_own_and_ratio_to(store):
    rows = [({"seed": s}, {"test_loss": t, "train_loss": p})
            for s, (t, p) in enumerate([(1.0, 1.0), (1.1, 1.0), (3.0, 1.0)])]
    add_run(store, "r1", "lazy-vs-rich", rows)
    v = _only(check_claim(claim({"kind": "interval", "result": "test_loss",
                                 "ratio_to": "train_loss", "statistic": "each",
                                 "lo": 0.8, "hi": 1.25}), store))
    assert [e.verdict for e in v.evidence] == ["holds", "holds", "fails"]
    assert v.estimate == pytest.approx(3.0)
    assert v.quantity == "test_loss / train_loss"


def test_intervals_are_clipped_to_the_declared_range(store):
    decl = {"format": 1, "results": [{"name": "train_loss", "meaning": "a loss", "low": 0.0}]}
    add_run(store, "r1", "lazy-vs-rich",
            seeds({"model.width": 1}, "train_loss", [0.0, 0.3]), declaration=decl)
    v = _only(check_claim(claim({"kind": "interval", "result": "train_loss", "lo": 0.0,
                                 "hi": 5.0}), store))
    assert v.interval[0] == 0.0  # the raw t-interval reaches far below 0
    assert v.verdict == "holds"


# -- exponent ---------------------------------------------------------------------------------
def _power_rows(exponent: float, widths, noise: float, gen, n_seeds: int = 3,
                extra: dict | None = None):
    rows = []
    for w in widths:
        for s in range(n_seeds):
            y = 2.0 * w ** exponent * math.exp(noise * gen.standard_normal())
            rows.append(({"model.width": w, "seed": s, **(extra or {})},
                         {"relative_weight_change": y}))
    return rows


@pytest.mark.parametrize(("exponent", "noise", "widths", "expected"), [
    (-0.5, 0.01, (64, 256, 1024, 4096), "holds"),
    (-1.0, 0.01, (64, 256, 1024, 4096), "fails"),
    (-0.5, 0.8, (64, 128), "inconclusive"),
])
def test_exponent_verdicts(store, exponent, noise, widths, expected):
    gen = np.random.default_rng(0)
    add_run(store, "r1", "lazy-vs-rich", _power_rows(exponent, widths, noise, gen))
    v = _only(check_claim(claim({"kind": "exponent", "result": "relative_weight_change",
                                 "along": "model.width", "lo": -0.6, "hi": -0.4}), store))
    assert v.verdict == expected
    assert v.interval[0] <= v.estimate <= v.interval[1]
    if noise < 0.1:
        assert v.estimate == pytest.approx(exponent, abs=0.02)


def test_exponent_is_fitted_per_configuration_and_too_few_points_is_inconclusive(store):
    gen = np.random.default_rng(1)
    rows = (_power_rows(-0.5, (64, 256, 1024), 0.01, gen, extra={"model.parameterization": "ntk"})
            + _power_rows(0.0, (64, 256, 1024), 0.01, gen,
                          extra={"model.parameterization": "mean-field"})
            + _power_rows(0.0, (64,), 0.01, gen, n_seeds=2,
                          extra={"model.parameterization": "standard"}))
    add_run(store, "r1", "lazy-vs-rich", rows)
    v = _only(check_claim(claim({"kind": "exponent", "result": "relative_weight_change",
                                 "along": "model.width", "lo": -0.6, "hi": -0.4}), store))
    by = {e.configuration["model.parameterization"]: e for e in v.evidence}
    assert by["ntk"].verdict == "holds" and by["mean-field"].verdict == "fails"
    assert by["standard"].verdict == "inconclusive" and "no power-law fit" in by["standard"].note
    only_ntk = claim({"kind": "exponent", "result": "relative_weight_change",
                      "along": "model.width", "lo": -0.6, "hi": -0.4},
                     where={"model.parameterization": "ntk"})
    assert _only(check_claim(only_ntk, store)).verdict == "holds"


# -- monotone ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("means", "spread", "expected"), [
    ((1.0, 0.5, 0.25), 0.01, "holds"),
    ((1.0, 0.5, 0.8), 0.01, "fails"),
    ((1.0, 0.95, 0.9), 0.3, "inconclusive"),
])
def test_monotone_verdicts(store, means, spread, expected):
    rows = []
    for n, m in zip((100, 1000, 10000), means):
        rows += seeds({"data.n_train": n}, "test_loss", [m - spread, m, m + spread])
    add_run(store, "r1", "lazy-vs-rich", rows)
    v = _only(check_claim(claim({"kind": "monotone", "result": "test_loss",
                                 "along": "data.n_train", "direction": "decreasing"}), store))
    assert v.verdict == expected
    assert len(v.evidence) == 2
    step = v.evidence[0].interval
    assert step.estimate == pytest.approx(means[1] - means[0])
    inc = _only(check_claim(claim({"kind": "monotone", "result": "test_loss",
                                   "along": "data.n_train", "direction": "increasing"}), store))
    assert inc.verdict == {"holds": "fails", "fails": "fails",
                           "inconclusive": "inconclusive"}[expected]


def test_monotone_difference_uses_welchs_interval(store):
    a, b = [1.0, 1.2, 1.1, 0.9], [0.5, 0.52]
    add_run(store, "r1", "lazy-vs-rich", seeds({"data.n_train": 10}, "test_loss", a)
            + seeds({"data.n_train": 20}, "test_loss", b))
    v = _only(check_claim(claim({"kind": "monotone", "result": "test_loss",
                                 "along": "data.n_train", "direction": "decreasing"}), store))
    welch = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert v.interval == pytest.approx((welch.low, welch.high))


# -- comparison -------------------------------------------------------------------------------
@pytest.mark.parametrize(("ntk", "mf", "expected"), [
    ([0.1, 0.11, 0.09], [0.5, 0.51, 0.49], "holds"),
    ([0.9, 0.91, 0.89], [0.5, 0.51, 0.49], "fails"),
    ([0.4, 0.6, 0.5], [0.5, 0.45, 0.55], "inconclusive"),
])
def test_comparison_verdicts(store, ntk, mf, expected):
    add_run(store, "r1", "lazy-vs-rich",
            seeds({"model.parameterization": "ntk"}, "relative_ntk_drift", ntk)
            + seeds({"model.parameterization": "mean-field"}, "relative_ntk_drift", mf))
    v = _only(check_claim(claim({"kind": "comparison", "result": "relative_ntk_drift",
                                 "relation": "below",
                                 "a": {"model.parameterization": "ntk"},
                                 "b": {"model.parameterization": "mean-field"}}), store))
    assert v.verdict == expected
    assert v.estimate == pytest.approx(np.mean(ntk) - np.mean(mf))


def test_comparison_against_every_other_configuration_within_each_context(store):
    rows = []
    for lr in (0.1, 0.2):
        for w in (10, 20, 40):
            peak = 5.0 if (w == 20) == (lr == 0.1) else 1.0
            rows += seeds({"model.width": w, "data.n_train": 20, "training.lr": lr},
                          "test_loss", [peak, peak * 1.01, peak * 0.99])
    add_run(store, "r1", "lazy-vs-rich", rows)
    at_threshold = {"model.width": {"min": "data.n_train", "max": "data.n_train"}}
    v = _only(check_claim(claim({"kind": "comparison", "result": "test_loss",
                                 "relation": "above", "a": at_threshold, "log": True}), store))
    by_lr = {}
    for e in v.evidence:
        by_lr.setdefault(e.configuration["training.lr"], set()).add(e.verdict)
    assert by_lr == {0.1: {"holds"}, 0.2: {"fails"}}
    assert len(v.evidence) == 4  # width 20 against 10 and 40, at each learning rate


# -- selection, runs, statuses ----------------------------------------------------------------
def test_a_claim_concerns_only_runs_of_its_study_preset_and_selection(store):
    rows = seeds({"model.parameterization": "ntk"}, "train_loss", [1.0, 1.0])
    add_run(store, "lazy-full", "lazy-vs-rich", rows, preset="full")
    add_run(store, "lazy-smoke", "lazy-vs-rich", rows, preset="smoke")
    add_run(store, "eos", "edge-of-stability", [({"seed": 0}, {"train_loss": 1.0})])
    add_run(store, "lazy-mf", "lazy-vs-rich",
            seeds({"model.parameterization": "mean-field"}, "train_loss", [1.0, 1.0]))
    c = claim({"kind": "interval", "result": "train_loss", "lo": 0.0, "hi": 2.0},
              where={"model.parameterization": ["ntk", "standard"]}, preset="full")
    assert [v.run_id for v in check_claim(c, store)] == ["lazy-full"]
    any_preset = claim({"kind": "interval", "result": "train_loss", "lo": 0.0, "hi": 2.0},
                       where={"model.parameterization": "ntk"})
    assert [v.run_id for v in check_claim(any_preset, store)] == ["lazy-full", "lazy-smoke"]
    assert verdicts_for_run(store, "lazy-full", [c, any_preset])[0].claim_id == "c"
    assert verdicts_for_run(store, "eos", [c]) == []


def test_range_filters_with_a_parameter_as_bound(store):
    rows = [({"model.width": w, "task.teacher_width": 8, "seed": 0},
             {"train_loss": 0.0 if w >= 8 else 1.0,
              "train_loss_ci_low": -0.001 if w >= 8 else 0.9,
              "train_loss_ci_high": 0.001 if w >= 8 else 1.1}) for w in (2, 4, 8, 32)]
    add_run(store, "r1", "lazy-vs-rich", rows)
    c = claim({"kind": "interval", "result": "train_loss", "lo": -0.01, "hi": 0.01},
              where={"model.width": {"min": "task.teacher_width"}})
    v = _only(check_claim(c, store))
    assert v.verdict == "holds"
    assert sorted(e.configuration["model.width"] for e in v.evidence) == [8, 32]


def test_failed_and_diverged_trials_are_left_out_and_counted(store):
    rows = seeds({}, "train_loss", [1.0, 1.01, 0.99, 50.0, math.nan])
    add_run(store, "r1", "lazy-vs-rich", rows,
            trial_status=["done", "done", "done", "diverged", "failed"], status="interrupted")
    v = _only(check_claim(claim({"kind": "interval", "result": "train_loss", "lo": 0.9,
                                 "hi": 1.1}), store))
    assert v.verdict == "holds" and v.n == 3
    assert "1 diverged" in v.detail and "1 failed" in v.detail
    assert "run interrupted" in v.detail and v.run_status == "interrupted"


def test_a_result_the_run_does_not_store_is_inconclusive_not_an_error(store):
    add_run(store, "r1", "lazy-vs-rich", seeds({}, "train_loss", [1.0, 1.0]))
    v = _only(check_claim(claim({"kind": "interval", "result": "test_loss", "lo": 0.0,
                                 "hi": 1.0}), store))
    assert v.verdict == "inconclusive"
    assert "no result test_loss" in v.detail and v.evidence == ()


def test_verdict_json_and_report_item(store):
    add_run(store, "r1", "lazy-vs-rich", seeds({}, "train_loss", [1.0, 1.5]))
    v = _only(check_claim(claim({"kind": "interval", "result": "train_loss", "lo": 0.0}),
                          store))
    import json

    data = json.loads(json.dumps(v.to_dict()))
    assert data["boundary"] == [0.0, None] and data["verdict"] == v.verdict
    assert data["evidence"][0]["n"] == 2
    assert set(v.report_item()) == {"id", "statement", "source", "verdict", "detail"}
