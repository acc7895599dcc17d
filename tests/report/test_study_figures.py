"""Study-specific report figures (double descent, random features against the prediction,
epoch-wise curves, bias/variance, grokking's progress measures and steps to threshold), drawn
from fake stores whose numbers are known, and the interpolation-threshold locators."""

from __future__ import annotations

import math

import numpy as np
import pytest

from riskscope.report import build_report
from riskscope.report.interpolation import empirical_threshold, nominal_threshold
from riskscope.report.report_data import load_report_data
from riskscope.report.study_figures import BUILDERS, FALLBACK, declared_figures, study_figures
from riskscope.store import Store, TrialRecord
from riskscope.studies import study_names
from riskscope.studies.registry import study_declaration

from .conftest import FAST

STEPS = [0, 1, 3, 10, 30, 100, 300, 1000]
N, CLASSES = 100, 10
WIDTHS = (4, 8, 16, 32, 64, 128)
PEAK = 16


def _store(tmp_path_factory, name: str, study: str, spec: dict, records: list[TrialRecord]):
    store = Store(tmp_path_factory.mktemp(name))
    store.create_run(name, name, study, None, {"study": study, **spec}, "2" * 64)
    store.add_trials(name, [(r.trial_hash, r.params) for r in records])
    store.commit_trials(records)
    # as the runner does: the study's declaration is stored with the run
    store.set_run_status(name, "done", declaration=study_declaration(study).to_json())
    return store


def _record(run_id, i, params, result, metrics=None):
    return TrialRecord(trial_hash=f"{run_id}{i:06d}".ljust(64, "0")[:64], run_id=run_id,
                       params=params, status="done", started_at=1.7e9, finished_at=1.7e9 + 1,
                       environment={"device": "cpu"}, result=result, metrics=metrics or {})


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """Model-wise double descent: training error 0 from width 16, test error peaks there and
    (epoch-wise) is lowest at step 30 for width 16."""
    gen = np.random.default_rng(0)
    records = []
    for w in WIDTHS:
        params_count = 51 * w + 10
        train_final = 0.0 if w >= PEAK else 0.4 / w
        test_final = 0.7 + 0.1 * math.exp(-abs(math.log2(w / PEAK)))
        for seed in range(3):
            test = [0.9 - (0.9 - test_final) * min(s, 100) / 100 for s in STEPS]
            if w == PEAK:
                test = [0.9, 0.85, 0.8, 0.75, 0.7, 0.78, 0.8, test_final]
            train = [0.9 - (0.9 - train_final) * min(s, 300) / 300 for s in STEPS]
            noise = 0.005 * gen.standard_normal()
            records.append(_record("dd", len(records),
                                   {"study": "double-descent", "model": {"width": w},
                                    "seed": seed, "training": {"steps": 1000}},
                                   {"test_risk": test_final + noise,
                                    "population_risk": test_final + noise,
                                    "test_risk_min": min(test) + noise,
                                    "train_risk": train_final, "generalization_gap": 0.5,
                                    "num_parameters": params_count,
                                    "interpolation_threshold": N * CLASSES,
                                    "parameters_per_threshold": params_count / (N * CLASSES),
                                    "bias2": 0.5, "variance": 0.1 + test_final - 0.7,
                                    "mse_risk": 0.6 + test_final - 0.7},
                                   {"test_risk": (STEPS, [t + noise for t in test]),
                                    "train_risk": (STEPS, train)}))
    store = _store(tmp_path_factory, "dd", "double-descent", {}, records)
    yield store
    store.close()


@pytest.fixture(scope="module")
def random_features(tmp_path_factory):
    """Min-norm random features, n = 20: the prediction is infinite at N = n."""
    records = []
    for ridge in (0.0, 0.1):
        for width in (5, 10, 20, 40, 80):
            for seed in range(3):
                ratio = width / 20
                predicted = math.inf if ridge == 0 and width == 20 else \
                    1 + (1 / abs(1 - ratio) if ridge == 0 else 0.1)
                measured = 30.0 + seed if predicted == math.inf else predicted * (1 + 0.01 * seed)
                records.append(_record("rf", len(records),
                                       {"study": "double-descent", "model": {"width": width},
                                        "options": {"ridge": ridge}, "seed": seed},
                                       {"test_risk": measured, "predicted_risk": predicted,
                                        "train_risk": 0.0 if width >= 20 and ridge == 0 else 0.3,
                                        "parameters_per_threshold": ratio,
                                        "bias2": 0.2, "variance": measured - 0.2}))
    store = _store(tmp_path_factory, "rf", "double-descent", {}, records)
    yield store
    store.close()


@pytest.fixture(scope="module")
def grokking(tmp_path_factory):
    """Two weight decays × 2 seeds; one trial (wd 0.1, seed 1) never generalizes."""
    records = []
    for wd, delay in ((0.1, 300), (1.0, 100)):
        for seed in range(2):
            never = wd == 0.1 and seed == 1
            test_acc = [0.0 if s < delay or never else 1.0 for s in STEPS]
            train_acc = [0.0 if s < 10 else 1.0 for s in STEPS]
            series = {"train_risk": [1 - a for a in train_acc],
                      "test_risk": [1 - a for a in test_acc],
                      "train_loss": [3.0 / (1 + s) for s in STEPS],
                      "test_loss": [3.0 if a == 0 else 0.01 for a in test_acc],
                      "restricted_loss": [2.0] * len(STEPS), "excluded_loss": [0.5] * len(STEPS),
                      "weight_norm": [10 - s / 200 for s in STEPS],
                      "fourier_concentration": [0.2 + 0.6 * a for a in test_acc],
                      "neuron_fourier_concentration": [0.3 + 0.6 * a for a in test_acc]}
            records.append(_record("grok", len(records),
                                   {"study": "grokking", "training": {"weight_decay": wd,
                                                                      "steps": 1000},
                                    "seed": seed},
                                   {"steps_to_fit": 10.0,
                                    "steps_to_generalize": math.nan if never else float(delay),
                                    "population_risk": 1 - test_acc[-1],
                                    "train_risk": 0.0, "test_risk": 1 - test_acc[-1]},
                                   {k: (STEPS, v) for k, v in series.items()}))
    store = _store(tmp_path_factory, "grok", "grokking", {}, records)
    yield store
    store.close()


def _figures(store, run_id):
    specs = study_figures(load_report_data(store, run_id))
    return {spec.stem: spec for spec in specs}


def test_every_declared_figure_exists():
    for name in study_names():
        assert set(study_declaration(name).report_figures) <= set(BUILDERS), name
    figures = study_declaration("double-descent").report_figures
    assert {"interpolation_threshold", "epoch_wise"} <= set(figures)
    assert {"progress_measures", "steps_to_threshold"} <= set(
        study_declaration("grokking").report_figures)


def test_figures_come_from_the_stored_declaration_and_older_runs_fall_back(network):
    data = load_report_data(network, "dd")
    assert declared_figures(data) == study_declaration("double-descent").report_figures
    # a run stored before declarations: every figure whose specific results are stored
    data.declaration = type(data.declaration)()
    assert declared_figures(data) == FALLBACK
    stems = {s.stem for s in study_figures(data)}
    assert "threshold_vs_model-width" in stems and not any("epoch_wise" in s for s in stems)


def test_nominal_and_empirical_thresholds():
    x = np.repeat([4.0, 8.0, 16.0, 32.0], 2)
    ratio = (51 * x + 10) / 1000
    # between 16 (0.826) and 32 (1.642), interpolated in log x and log ratio
    expected = 16 * 2 ** (math.log(0.826) / (math.log(0.826) - math.log(1.642)))
    assert nominal_threshold(x, ratio) == pytest.approx(expected)
    assert nominal_threshold(x, ratio / 100) is None
    assert nominal_threshold([1.0, 2.0, 4.0], [0.5, 1.0, 2.0]) == 2.0
    # model-wise: the smallest interpolating x; sample-wise: the largest
    assert empirical_threshold(x, np.where(x >= 16, 0.0, 0.3)) == 16.0
    assert empirical_threshold(x, np.where(x <= 8, 0.0, 0.3)) == 8.0
    assert empirical_threshold(x, np.zeros_like(x)) is None
    # one seed not interpolating keeps the mean above 0
    assert empirical_threshold([16.0, 16.0, 32.0, 32.0], [0.0, 0.01, 0.0, 0.0]) == 32.0


def test_model_wise_figure_locates_the_peak(network):
    figs = _figures(network, "dd")
    spec = figs["threshold_vs_model-width"]
    assert spec.section == "study"
    assert f"peaks at width = {PEAK}" in spec.caption
    assert "parameters = n·C at width ≈ 19.4" in spec.caption
    assert "interpolation (training risk 0) begins at width = 16" in spec.caption
    (ax,) = spec.figure.axes
    assert ax.get_xscale() == "log"
    labels = ax.get_legend_handles_labels()[1] + [t.get_text() for t in
                                                  spec.figure.legends[0].get_texts()]
    assert any("parameters = n·C" in t for t in labels)


def test_epoch_wise_and_bias_variance(network):
    figs = _figures(network, "dd")
    epoch = figs["epoch_wise_model-width"]
    assert len(epoch.figure.axes) == 2
    assert "width=16: lowest at step 30" in epoch.caption
    bias = figs["bias_variance_vs_model-width"]
    assert "variance largest at width = 16" in bias.caption
    assert not any(stem.startswith("predicted") for stem in figs)  # no prediction stored


def test_measured_vs_predicted_marks_the_infinite_prediction(random_features):
    figs = _figures(random_features, "rf")
    spec = figs["predicted_test_risk_vs_model-width"]
    assert "ridge=0: median |measured/predicted − 1| = 0.01" in spec.caption
    assert "prediction infinite at width = 20" in spec.caption
    assert "ridge=0.1" in spec.caption and spec.caption.count("infinite at") == 1
    (ax,) = spec.figure.axes
    assert ax.get_yscale() == "log"
    # one threshold panel per ridge value; no epoch-wise figure without series
    assert len(figs["threshold_vs_model-width"].figure.axes) == 2
    assert "epoch_wise_model-width" not in figs
    # 2 ridge values: no curve along the ridge
    along_ridge = {"predicted_test_risk_vs_options-ridge", "bias_variance_vs_options-ridge"}
    assert not along_ridge & set(figs)


def test_grokking_progress_and_censored_steps(grokking):
    figs = _figures(grokking, "grok")
    progress = figs["progress_measures"]
    assert len(progress.figure.axes) == 8  # 2 configurations × 4 measures
    steps = figs["steps_to_threshold_vs_training-weight_decay"]
    assert "steps_to_generalize: 3 of 4 trials reached it" in steps.caption
    assert "steps_to_fit: 4 of 4 trials reached it" in steps.caption
    generalize = steps.figure.axes[1]
    assert any(line.get_marker() == "^" for line in generalize.get_lines())


def test_study_figures_are_in_the_page(network, tmp_path):
    page = build_report(network, "dd", tmp_path / "report", **FAST).read_text()
    assert "This study&#x27;s figures" in page or "This study's figures" in page
    for stem in ("threshold_vs_model-width", "epoch_wise_model-width",
                 "bias_variance_vs_model-width", "generalization_gap_curve"):
        assert f'id="fig-{stem}"' in page
