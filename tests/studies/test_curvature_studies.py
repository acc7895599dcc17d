"""The curvature studies' smoke presets: they run, store what the report needs, and show the
expected effects qualitatively (the full presets show them quantitatively: docs/curvature.md)."""

import math

import pytest
import torch

from riskscope.analyses.curvature import lazy_vs_rich_slopes
from riskscope.core.errors import SpecError
from riskscope.store import Store
from riskscope.studies import load_spec, run_study
from riskscope.studies.expand import expand_trials


@pytest.fixture(autouse=True)
def single_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _run(tmp_path, study, *overrides):
    store = Store(tmp_path)
    summary = run_study(load_spec(study, "smoke", list(overrides)), store, device="cpu")
    return store, summary


def test_edge_of_stability_smoke(tmp_path):
    store, summary = _run(tmp_path, "edge-of-stability")
    with store:
        assert (summary.finished, summary.failed, summary.diverged) == (4, 0, 0)
        trials = store.trials(summary.run_id).sort_values(["training.lr", "seed"])
        metrics = store.metrics(summary.run_id)
        assert {"sharpness", "sharpness_over_threshold", "stability_threshold",
                "train_loss", "test_loss"} <= set(metrics["name"])
        for seed in (0, 1):
            mine = trials[trials["seed"] == seed]
            small, large = mine.iloc[0], mine.iloc[1]
            assert small["result.threshold"] == pytest.approx(2 / 0.05)
            assert small["result.sharpness_ratio_late"] < 0.5  # far below 2/η: stable GD
            assert large["result.sharpness_ratio_late"] == pytest.approx(1.0, abs=0.15)  # edge
            assert large["result.loss_increase_fraction"] > \
                small["result.loss_increase_fraction"]
            per_trial = metrics[metrics["trial_hash"] == large["trial_hash"]]
            train = per_trial[per_trial["name"] == "train_loss"]
            test = per_trial[per_trial["name"] == "test_loss"]
            assert len(train) == 151
            # the test loss at every sharpness measurement, aligned with training steps (the
            # report's gap over training), ending at the stored final value
            assert test["step"].tolist() == list(range(0, 151, 25))
            assert set(test["step"]) <= set(train["step"])
            assert test["value"].iloc[-1] == pytest.approx(large["result.final_test_loss"])
            assert test["value"].iloc[-1] > train["value"].iloc[-1]  # held-out is worse


def test_edge_of_stability_refuses_other_optimizers():
    with pytest.raises(SpecError, match="training"):
        expand_trials(load_spec("edge-of-stability", "smoke", ["training.optimizer=\"adam\""]))


def test_lazy_vs_rich_smoke_and_slopes(tmp_path):
    store, summary = _run(tmp_path, "lazy-vs-rich")
    with store:
        assert (summary.finished, summary.failed, summary.diverged) == (12, 0, 0)
        trials = store.trials(summary.run_id)
        for column in ("relative_ntk_drift", "ntk_correlation", "relative_weight_change",
                       "lr_used"):
            assert trials[f"result.{column}"].notna().all()
        slopes = lazy_vs_rich_slopes(trials, n_resamples=200).set_index(
            ["parameterization", "quantity"])
        ntk = slopes.loc[("ntk", "relative_ntk_drift"), "slope"]
        mean_field = slopes.loc[("mean-field", "relative_ntk_drift"), "slope"]
        assert ntk < -0.2 and mean_field > ntk + 0.2
        assert slopes.loc[("mean-field", "relative_weight_change"), "slope"] > -0.2
        mf = trials[trials["model.parameterization"] == "mean-field"]
        assert (mf["result.lr_used"] == mf["training.lr"] * mf["model.width"]).all()


def test_lazy_vs_rich_refuses_a_mean_field_bias():
    with pytest.raises(SpecError, match=r"model\.bias"):
        expand_trials(load_spec("lazy-vs-rich", "smoke", ["model.bias=true"]))


def test_convergence_smoke(tmp_path):
    store, summary = _run(tmp_path, "convergence")
    with store:
        assert (summary.finished, summary.failed) == (4, 0)
        trials = store.trials(summary.run_id).sort_values(["model.width", "seed"])
        wide = trials.iloc[-1]
        assert wide["result.stability_margin"] < 1
        assert wide["result.observed_fit_r2"] > 0.999
        assert wide["result.rate_ratio"] == pytest.approx(1.0, abs=0.15)
        assert wide["result.rate_ratio_linearized"] == pytest.approx(1.0, abs=0.15)
        # with the kernel at the end of training the prediction is tighter still
        final = (1 - wide["result.observed_rate"]) / (1 - wide["result.predicted_rate_final"])
        assert final == pytest.approx(1.0, abs=0.05)
        assert wide["result.lambda_min_ntk_init"] == pytest.approx(
            wide["result.lambda_min_ntk_infinite"], rel=0.3)
        assert wide["result.pl_ratio_min"] > 0.5 * wide["result.pl_lower_bound"]
        assert wide["result.observed_rate"] < wide["result.du_bound_rate"] < 1  # Du's guarantee
        for key in ("test_risk_network", "test_risk_ntk_init", "test_risk_ntk_infinite"):
            assert math.isfinite(wide[f"result.{key}"])
        assert wide["result.relative_ntk_drift"] < trials.iloc[0]["result.relative_ntk_drift"]
        metrics = store.metrics(summary.run_id)
        assert {"residual_norm", "pl_ratio", "test_loss"} <= set(metrics["name"])
        mine = metrics[metrics["trial_hash"] == wide["trial_hash"]]
        test, train = mine[mine["name"] == "test_loss"], mine[mine["name"] == "train_loss"]
        assert test["step"].tolist() == train["step"].tolist()  # aligned: the gap over training
        assert test["value"].iloc[-1] == pytest.approx(wide["result.test_risk_network"],
                                                       rel=1e-9)
