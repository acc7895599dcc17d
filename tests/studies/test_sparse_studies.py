"""The sparse-feature studies' smoke presets end to end, and their input checks.

Each smoke run is seconds on one CPU thread; what each must show is a property of the
phenomenon (k = 3 parities plateau then learn, with hidden progress; higher information
exponents need more samples; at enough samples the network beats its kernels on a parity).
"""

import math

import numpy as np
import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.store import Store
from riskscope.studies import expand_trials, group_trials, load_spec, run_study
from riskscope.studies.builtin.single_index import sample_complexity_table
from riskscope.studies.builtin.sparse_parity import steps_to_learn_exponents
from riskscope.studies.registry import get_study


def run_smoke(tmp_path_factory, name, preset="smoke"):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)        # tiny kernels: one thread avoids contention on shared CPUs
    try:
        directory = tmp_path_factory.mktemp(name)
        with Store(directory) as store:
            summary = run_study(load_spec(name, preset), store, device="cpu")
            return summary, store.trials(summary.run_id), store.metrics(summary.run_id)
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def parity_run(tmp_path_factory):
    return run_smoke(tmp_path_factory, "sparse-parity")


@pytest.fixture(scope="module")
def index_run(tmp_path_factory):
    return run_smoke(tmp_path_factory, "single-index")


@pytest.fixture(scope="module")
def kernel_run(tmp_path_factory):
    return run_smoke(tmp_path_factory, "feature-vs-kernel")


def test_sparse_parity_learns_after_a_plateau_with_hidden_progress(parity_run):
    summary, trials, metrics = parity_run
    assert summary.failed == 0 and summary.finished == summary.trials == 4
    r = trials.set_index("trial_hash")
    assert r["result.learned"].astype(bool).all()
    assert (r["result.final_test_accuracy"] >= 0.99).all()
    # a plateau at chance exists, and during it the Fourier gap on S and the weights moved
    assert (r["result.plateau_end_step"] > 0).all()
    assert (r["result.plateau_fourier_gap"] > r["result.initial_fourier_gap"] + 0.02).all()
    assert (r["result.plateau_weight_movement_l1"] > 0).all()
    assert (r["result.final_support_alignment"] > r["result.initial_support_alignment"]).all()
    assert (r["result.final_fourier_gap"] > 0.5).all()
    assert (r["result.relative_width"] < 1).all()
    by_n = r.groupby("result.n_bits")["result.steps_to_learn"].mean()
    assert by_n.index.tolist() == [7, 10] and by_n[10] > by_n[7]
    assert r["result.final_effective_rank"].between(1, 64).all()   # width 64
    assert (r["result.final_nc1"] >= 0).all() and (r["result.final_nc4"] <= 0.5).all()
    names = set(metrics["name"]) if "name" in metrics else set(metrics.columns)
    for series in ("test_accuracy", "fourier_gap", "weight_movement_l1", "support_alignment"):
        assert series in names


def test_sparse_parity_run_level_exponent_fit(parity_run):
    _, trials, _ = parity_run
    fits = steps_to_learn_exponents(trials, n_resamples=200)
    fit = fits[3]
    assert fit["learned"] == 4 and fit["censored"] == 0
    assert fit["exponent_ci_low"] <= fit["exponent"] <= fit["exponent_ci_high"]
    assert fit["exponent"] > 0


def test_single_index_needs_more_samples_for_higher_information_exponent(index_run):
    summary, trials, _ = index_run
    assert summary.failed == 0
    table = sample_complexity_table(trials, target=0.1).set_index("information_exponent")
    err1, err3 = table.loc[1, "test_error"], table.loc[3, "test_error"]
    assert err1[-1] < 0.05 and err1[-1] < err1[0]           # p = 1: learned with n = 512
    assert err3[-1] > 5 * err1[-1]                          # p = 3: far from it at equal n
    assert table.loc[1, "samples_to_reach"] == 512 and math.isnan(
        table.loc[3, "samples_to_reach"])
    big = trials[trials["result.n_train"] == 512]
    assert (big["result.alignment"] > big["result.alignment_chance"]).all()


def test_network_beats_ntk_and_random_features_on_a_3_sparse_parity(kernel_run):
    """n = 16 bits, k = 3, n_train = 1000 (kernels with σ_b = 1)."""
    summary, trials, _ = kernel_run
    assert summary.failed == 0
    mean = trials.groupby("result.n_train")[["result.network_error", "result.ntk_error",
                                             "result.random_features_error"]].mean()
    big = mean.loc[mean.index.max()]
    assert big["result.network_error"] < 0.05
    # kernels with biases (they see odd degrees): n = 1000 is not yet enough on 16 bits
    assert big["result.ntk_error"] > 0.1 and big["result.random_features_error"] > 0.3
    assert np.isfinite(trials["result.ntk_minus_network"]).all()


@pytest.mark.parametrize(("study", "over", "field"), [
    ("sparse-parity", {"task": {"name": "sparse-parity", "n_bits": 4, "k": 5}}, "task.k"),
    ("sparse-parity", {"task": {"name": "sparse-parity", "n_bits": 4, "k": 0}}, "task.k"),
    ("sparse-parity", {"training": {"loss": "squared"}}, "training.loss"),
    ("single-index", {"training": {"loss": "hinge"}}, "training.loss"),
    ("sparse-parity", {"options": {"measure_every": 40, "fourier_every": 100}},
     "options.fourier_every"),
    ("feature-vs-kernel", {"task": {"name": "staircase", "n_bits": 8, "degree": 3},
                           "training": {"loss": "hinge"}}, "training.loss"),
    ("sparse-parity", {"training": {"online": False, "batch_size": 64},
                       "data": {"n_train": 16}}, "training.batch_size"),
    ("single-index", {"task": {"name": "single-index", "information_exponent": 5}},
     "task.information_exponent"),
    ("feature-vs-kernel", {"options": {"kernel_eval_samples": 5000}},
     "options.kernel_eval_samples"),
    ("feature-vs-kernel", {"data": {"n_train": 1}, "training": {"batch_size": 0}},
     "data.n_train"),
])
def test_bad_specs_name_the_field(study, over, field):
    with pytest.raises(SpecError) as info:
        expand_trials(load_spec({"study": study, "grid": {}, **over}, "smoke"))
    assert info.value.field == field
    assert "allowed" in str(info.value)


@pytest.mark.parametrize(("study", "trials", "groups"), [
    ("sparse-parity", 5 * 2 * 8, 5 * 2),          # each (n, k) is one ensemble of 8 seeds
    ("single-index", 3 * 3 * 5 * 4, 3 * 3 * 5),
    ("feature-vs-kernel", 6 * 4, 6),
])
def test_full_presets_validate_and_batch_seeds_into_one_ensemble(study, trials, groups):
    expanded = expand_trials(load_spec(study, "full"))
    assert len(expanded) == trials
    grouped = group_trials(expanded, get_study(study).ensemble_keys, max_size=1024)
    assert len(grouped) == groups


def test_sparse_parity_with_hinge_loss_and_momentum(tmp_path):
    """Hinge on z₁ − z₀ (the full preset's loss) with heavy-ball momentum, which the study
    refused while it trained in chunks: one run, measured through the trainer's hook."""
    spec = load_spec({"study": "sparse-parity", "grid": {"task.n_bits": [7]},
                      "training": {"loss": "hinge", "momentum": 0.9, "lr": 0.02}}, "smoke")
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        r = store.trials(summary.run_id)
    assert summary.failed == 0 and len(r) == 2
    assert r["result.learned"].astype(bool).all()
    assert (r["result.steps_to_learn"] % 40 == 0).all()   # measured every 40 steps
    assert (r["result.final_fourier_gap"] > 0.5).all()


def test_feature_vs_kernel_on_a_regression_target_reports_normalized_mse(tmp_path):
    spec = load_spec({"study": "feature-vs-kernel", "seeds": 1,
                      "task": {"name": "staircase", "n_bits": 8, "degree": 3},
                      "grid": {"data.n_train": [100]}, "training": {"steps": 100},
                      "options": {"random_features": 64, "kernel_eval_samples": 256},
                      "data": {"eval_samples": 256}}, "smoke")
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        row = store.trials(summary.run_id).iloc[0]
    assert summary.failed == 0 and row["result.error_metric"] == "mse / Var(y)"
    for key in ("network_error", "ntk_error", "random_features_error"):
        assert 0 < row[f"result.{key}"] < 5


def test_multi_index_preset_product_link_needs_more_samples_than_sum(tmp_path_factory):
    """z₁z₂ (information exponent 2) vs (z₁ + z₂)/√2 (exponent 1) on the same directions."""
    summary, trials, _ = run_smoke(tmp_path_factory, "single-index", "multi-index-smoke")
    assert summary.failed == 0 and len(trials) == 8
    table = sample_complexity_table(trials, target=0.1).set_index("link")
    total, product = table.loc["sum", "test_error"], table.loc["product", "test_error"]
    assert total[-1] < 0.05 and product[0] > 0.5      # sum: learned at n = 1024; product: not at 32
    assert product[-1] > 2 * total[-1]
    big = trials[trials["result.n_train"] == 1024]
    assert (big["result.alignment"] > big["result.alignment_chance"]).all()
    assert (trials["result.num_directions"] == 2).all()


def test_staircase_preset_network_beats_kernels_on_the_top_step(tmp_path_factory):
    summary, trials, _ = run_smoke(tmp_path_factory, "feature-vs-kernel", "staircase-smoke")
    assert summary.failed == 0 and (trials["result.error_metric"] == "mse / Var(y)").all()
    mean = trials.groupby("result.n_train")[["result.network_error", "result.ntk_error",
                                             "result.random_features_error"]].mean()
    big = mean.loc[1000]
    assert big["result.network_error"] < 0.5 * big["result.ntk_error"]


@pytest.mark.parametrize(("study", "preset", "trials", "groups"), [
    ("single-index", "multi-index", 2 * 2 * 5 * 4, 2 * 2 * 5),
    ("feature-vs-kernel", "staircase", 6 * 4, 6),
])
def test_extra_full_presets_validate(study, preset, trials, groups):
    expanded = expand_trials(load_spec(study, preset))
    assert len(expanded) == trials
    assert len(group_trials(expanded, get_study(study).ensemble_keys, max_size=1024)) == groups
