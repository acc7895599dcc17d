"""The generalization studies (pac-bayes, measures, random-labels) run end to end on their
smoke presets, and the label-noise task they use."""

import math

import pytest
import torch

import riskscope.studies.builtin  # noqa: F401  (registers the studies)
from riskscope.analyses.measures import MEASURES, plot_measure_scores, score_measures
from riskscope.core.errors import SpecError
from riskscope.store import Store
from riskscope.studies import load_spec, run_study
from riskscope.tasks import make_task
from tests.studies.preset_runs import run_preset


def run(name: str, tmp_path, **over):
    spec = load_spec({"study": name, **over}, preset="smoke")
    store = Store(tmp_path)
    summary = run_study(spec, store, device="cpu")
    assert summary.failed == 0, summary.failures
    return store, summary


def test_pac_bayes_smoke(tmp_path):
    store, summary = run("pac-bayes", tmp_path)
    trials = store.trials(summary.run_id)
    assert set(trials["status"]) == {"done"} and len(trials) == 4
    for _, row in trials.iterrows():
        assert row["result.empirical_risk_mc"] <= row["result.empirical_risk_bound"] \
            <= row["result.bound"] <= 1
        assert row["result.confidence"] == pytest.approx(1 - 0.025 - 0.01)
        assert row["result.bound_over_stochastic_test_error"] == pytest.approx(
            row["result.bound"] / row["result.stochastic_test_error"])
        assert 0 <= row["result.deterministic_test_error"] <= 1
        assert row["result.bound_at_zero_kl"] <= row["result.bound"]
        assert row["result.grid_prior_sigmas"] == "0.01 0.03"  # chosen by the (pilot) bound
        assert row["result.prior_sigma"] in (0.01, 0.03)
        grid_bounds = [float(b) for b in row["result.grid_bounds"].split()]
        assert len(grid_bounds) == 2 and row["result.bound"] == pytest.approx(
            min(grid_bounds), abs=1e-4)  # no pilots in the smoke preset: the best is kept
        assert row["result.posterior_training_s"] > 0 and row["result.certification_s"] > 0
        assert row["result.ratio_floor"] == pytest.approx(
            row["result.floor_at_stochastic_test_error"] / row["result.stochastic_test_error"])
    by_prior = trials.groupby("result.prior")["result.bound_set_size"].unique()
    assert by_prior["data-free"].tolist() == [300]
    assert by_prior["data-dependent"].tolist() == [150]
    metrics = store.metrics(summary.run_id)
    names = set(metrics["name"])
    # the trained network's train/test curves (the report's gap over training) and the
    # posterior's optimization
    assert {"posterior_kl", "posterior_objective", "train_loss", "train_risk", "test_loss",
            "test_risk"} <= names
    one = metrics[metrics["trial_hash"] == trials["trial_hash"].iloc[0]]
    assert one[one["name"] == "test_risk"]["step"].tolist() == \
        one[one["name"] == "train_risk"]["step"].tolist()
    store.close()


def test_measures_smoke_and_score_table(tmp_path):
    store, summary = run("measures", tmp_path)
    trials = store.trials(summary.run_id)
    assert len(trials) == 4 and set(trials["status"]) == {"done"}
    assert all(f"result.measure_{m}" in trials.columns for m in MEASURES)
    assert not trials["result.reached_target_loss"].any()  # the smoke preset sets no target
    assert (trials["result.stop_step"] == 120).all()
    table = score_measures(trials)
    assert len(table) == len(MEASURES)
    assert set(table.columns) >= {"measure", "tau", "psi", "cmi", "n_models"}
    finite = table.dropna(subset=["tau"])
    assert ((finite["tau"] >= -1) & (finite["tau"] <= 1)).all()
    assert len(plot_measure_scores(table).axes) == 3
    store.close()


def test_random_labels_smoke(tmp_path):
    store, summary = run("random-labels", tmp_path)
    trials = store.trials(summary.run_id).set_index("task.noise_fraction")
    clean, noisy = trials.loc[0.0], trials.loc[1.0]
    assert noisy["result.changed_fraction"] > 0.8 and clean["result.changed_fraction"] == 0
    assert noisy["result.train_error"] <= 0.05  # memorized
    assert noisy["result.test_error"] > 0.7 > clean["result.test_error"]
    assert noisy["result.generalization_gap"] > clean["result.generalization_gap"]
    assert noisy["result.spectral_margin_term"] > clean["result.spectral_margin_term"]
    assert noisy["result.pac_bayes_bound"] > 0.8  # nothing to certify on random labels
    store.close()


RESNET = ["model.family=resnet", "model.width=4", "model.blocks=1",
          'model.normalization="none"', "training.steps=20", "seeds=1"]


@pytest.mark.parametrize(("study", "options", "chain_result", "reason"), [
    ("measures", ["options.perturbation=false", "options.gradient_examples=16"],
     "result.measure_log_spectral_product", "result.layer_measures_unavailable"),
    ("random-labels", ["options.certify=false"], "result.frobenius_bound",
     "result.norm_bounds_unavailable")])
def test_a_resnet_gets_the_chain_quantities_as_not_available(tmp_path, study, options,
                                                             chain_result, reason):
    """A ResNet without normalization holds only weight layers but is no chain: the study runs,
    the bounds stated for chains are NaN or missing, and the reason names the skip."""
    summary, trials = run_preset(tmp_path, study, "smoke", [*RESNET, *options, "grid={}"])
    assert summary.failed == 0, summary.failures[:1]
    done = trials[trials["status"] == "done"]
    assert len(done) > 0
    assert done[reason].str.contains("model.blocks.0: got '`add` combining 2 values").all()
    if chain_result in done:
        assert done[chain_result].isna().all()
    if study == "measures":
        assert done["result.measure_frobenius_distance_from_init"].notna().all()


def test_label_noise_task():
    clean = make_task("digits", {})
    half = make_task("label-noise", {"base": "digits", "noise_fraction": 0.5, "noise_seed": 3})
    assert half.finite and half.pool_size == clean.pool_size
    assert half.changed_fraction == pytest.approx(0.5 * 0.9, abs=0.04)
    assert torch.equal(half.holdout().y, clean.holdout().y)  # the test labels stay clean
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    assert torch.equal(half.sample(50, g1).y, half.sample(50, g2).y)
    stream = make_task("label-noise", {"base": "mnist1d", "noise_fraction": 1.0})
    assert not stream.finite and stream.sample(20, torch.Generator().manual_seed(0)).y.shape \
        == (20,)
    with pytest.raises(SpecError, match=r"task\.noise_fraction"):
        make_task("label-noise", {"base": "digits", "noise_fraction": 1.5})
    with pytest.raises(SpecError, match=r"task\.base"):
        make_task("label-noise", {"base": "teacher-student-regression"})
    assert math.isfinite(half.changed_fraction)
