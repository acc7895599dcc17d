"""The `double-descent` and `grokking` studies end to end on their smoke presets, bad specs,
and the report's train/test/gap curves for them."""

import math

import numpy as np
import pytest

from riskscope.core.errors import SpecError
from riskscope.store import Store
from riskscope.studies import expand_trials, load_spec, run_study


def _run(tmp_path_factory, study, preset):
    directory = tmp_path_factory.mktemp(study + preset)
    spec = load_spec(study, preset)
    with Store(directory) as store:
        summary = run_study(spec, store, device="cpu")
        trials = store.trials(summary.run_id)
        metrics = store.metrics(summary.run_id) if hasattr(store, "metrics") else None
    return directory, spec, summary, trials, metrics


@pytest.fixture(scope="module")
def grokking_run(tmp_path_factory):
    return _run(tmp_path_factory, "grokking", "smoke")


@pytest.fixture(scope="module")
def network_run(tmp_path_factory):
    return _run(tmp_path_factory, "double-descent", "smoke")


@pytest.fixture(scope="module")
def rf_run(tmp_path_factory):
    return _run(tmp_path_factory, "double-descent", "random-features-smoke")


def test_grokking_smoke_records_progress_measures(grokking_run):
    _, _, summary, trials, _ = grokking_run
    assert summary.failed == 0 and summary.finished == summary.trials == 4
    for column in ("final_fourier_concentration", "final_neuron_fourier_concentration",
                   "final_restricted_loss", "final_excluded_loss", "final_weight_norm"):
        values = trials["result." + column]
        assert np.isfinite(values).all(), column
    assert ((trials["result.final_fourier_concentration"] > 0)
            & (trials["result.final_fourier_concentration"] <= 1)).all()
    assert (trials["result.train_pairs"] == round(0.5 * 13 ** 2)).all()
    # weight decay shrinks the weights: wd = 1 ends with a smaller norm than wd = 0
    by_wd = trials.groupby("training.weight_decay")["result.final_weight_norm"].mean()
    assert by_wd[1.0] < by_wd[0.0]


def test_double_descent_network_smoke(network_run):
    _, _, summary, trials, _ = network_run
    assert summary.failed == 0 and summary.finished == summary.trials == 4
    assert (trials["result.label_noise"] == 0.15).all()
    assert (trials["result.interpolation_threshold"] == 60 * 10).all()
    np.testing.assert_allclose(trials["result.population_risk"], trials["result.test_risk"],
                               atol=1e-6)   # the same clean evaluation sample
    assert (trials["result.population_risk_ci_low"] <= trials["result.population_risk"]).all()
    parts = trials["result.bias2"] + trials["result.variance"]
    np.testing.assert_allclose(parts, trials["result.mse_risk"], rtol=1e-9)
    wide = trials[trials["model.width"] == 16]
    narrow = trials[trials["model.width"] == 2]
    assert wide["result.train_risk"].mean() < narrow["result.train_risk"].mean()


def test_double_descent_random_features_measured_against_predicted(rf_run):
    _, _, summary, trials, _ = rf_run
    assert summary.failed == 0 and summary.finished == 9
    median = trials.groupby("model.width")[["result.test_risk", "result.predicted_risk"]].median()
    # the peak sits at the interpolation threshold N = n = 24, in measurement and prediction
    assert median["result.test_risk"].idxmax() == 24
    assert median["result.predicted_risk"].idxmax() == 24
    for width in (6, 96):
        measured, predicted = median.loc[width]
        assert abs(measured - predicted) / predicted < 0.35, (width, measured, predicted)
    interpolating = trials[trials["model.width"] >= 24]
    assert (interpolating["result.train_risk"] < 1e-12).all()


@pytest.mark.parametrize(("spec", "field", "given"), [
    ({"study": "double-descent", "options": {"label_noise": 1.5}}, "options.label_noise", 1.5),
    ({"study": "grokking", "task": {"name": "modular-multiplication", "modulus": 15}},
     "task.modulus", 15),
    ({"study": "grokking", "task": {"name": "modular-addition", "modulus": 13,
                                    "train_fraction": 0.999}}, "task.train_fraction", 0.999),
    ({"study": "grokking", "options": {"architecture": "transformer", "d_model": 10,
                                       "num_heads": 4}}, "options.num_heads", 4),
])
def test_bad_specs_are_refused_before_running(spec, field, given):
    with pytest.raises(SpecError) as err:
        expand_trials(load_spec(spec, "smoke"))
    assert err.value.field == field and err.value.given == given


def test_grokking_transformer_runs(tmp_path):
    spec = load_spec({"study": "grokking", "seeds": 1, "grid": {},
                      "options": {"architecture": "transformer", "d_model": 8, "num_heads": 2,
                                  "d_mlp": 16},
                      "training": {"steps": 10, "log_points": 3}}, "smoke")
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        trials = store.trials(summary.run_id)
    assert summary.failed == 0
    assert math.isfinite(trials["result.final_excluded_loss"].iloc[0])


def test_reports_show_train_test_and_gap_curves(network_run):
    from riskscope.report import build_report

    directory, _, summary, _, _ = network_run
    with Store(directory) as store:
        index = build_report(store, summary.run_id)
    names = {p.name for p in index.parent.rglob("*")}
    assert any(name.startswith("generalization_gap_curve") for name in names), sorted(names)
    assert any(name.startswith("curves_risk") for name in names), sorted(names)
    # the declared headline results against the width (test risk, not bookkeeping)
    assert "test_risk_vs_model-width.png" in names, sorted(names)
    # the study's own figures (declared report_figures; bias/variance needs 3+ widths)
    assert {"threshold_vs_model-width.png", "epoch_wise_model-width.png"} <= names, sorted(names)


def test_grokking_and_random_features_reports_have_their_figures(grokking_run, rf_run):
    from riskscope.report import build_report

    expected = [(grokking_run, {"progress_measures.png", "generalization_gap_curve.png",
                                "steps_to_threshold_vs_training-weight_decay.png"}),
                (rf_run, {"predicted_test_risk_vs_model-width.png",
                          "threshold_vs_model-width.png"})]
    for run, stems in expected:
        directory, _, summary, _, _ = run
        with Store(directory) as store:
            index = build_report(store, summary.run_id, formats=("png",), n_resamples=100)
        names = {p.name for p in (index.parent / "figures").iterdir()}
        assert stems <= names, sorted(names)
