"""Kendall τ, granulated Ψ and the CMI score on zoos with known answers."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau

from riskscope.analyses.measures import (
    cmi_score,
    conditional_mutual_information,
    granulated_kendall,
    kendall_tau,
    plot_measure_scores,
    score_measures,
)
from riskscope.core.errors import SpecError


def zoo(seed=0, replicates=2):
    """Models on a 3×3×2 grid of (lr, width, wd) with seeds; gap depends on lr and width."""
    rng = np.random.default_rng(seed)
    rows = []
    for lr, width, wd, s in itertools.product([0.01, 0.1, 1.0], [8, 32, 128], [0, 1e-4],
                                              range(replicates)):
        gap = 0.3 * math.log10(lr) + 0.1 * math.log2(width) + 0.2 * rng.normal()
        rows.append({"training.lr": lr, "model.width": width, "training.weight_decay": wd,
                     "seed": s, "result.generalization_gap": gap})
    return pd.DataFrame(rows)


AXES = ["training.lr", "model.width", "training.weight_decay"]


def test_tau_known_values_and_scipy_without_ties():
    gap = np.random.default_rng(1).normal(size=30)
    assert kendall_tau(gap, gap) == 1.0
    assert kendall_tau(-gap, gap) == -1.0
    x = np.random.default_rng(2).normal(size=30)
    assert kendall_tau(x, gap) == pytest.approx(kendalltau(x, gap).statistic, abs=1e-12)
    assert kendall_tau([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / 3)  # τ-a: a tie counts 0
    assert math.isnan(kendall_tau([1.0], [2.0]))


def test_independent_noise_scores_near_zero():
    rng = np.random.default_rng(3)
    taus = [kendall_tau(rng.normal(size=200), rng.normal(size=200)) for _ in range(20)]
    assert abs(np.mean(taus)) < 0.03  # sd of one τ ≈ 0.047; of the mean ≈ 0.011
    frame = zoo(4, replicates=4)
    frame["noise"] = rng.normal(size=len(frame))
    # the plug-in MI is biased upward by ~(cells)/(2·pairs) nats: 81 cells, 20,592 pairs here
    noise_cmi = cmi_score(frame, "noise", "result.generalization_gap", AXES)
    assert 0 <= noise_cmi < 3.0
    psi, _ = granulated_kendall(frame, "noise", "result.generalization_gap", AXES, ["seed"])
    assert abs(psi) < 0.15


def test_measure_equal_to_the_gap_scores_one_everywhere():
    frame = zoo()
    frame["m"] = frame["result.generalization_gap"]
    psi, per_axis = granulated_kendall(frame, "m", "result.generalization_gap", AXES, ["seed"])
    assert psi == 1.0 and set(per_axis) == set(AXES)
    assert cmi_score(frame, "m", "result.generalization_gap", AXES) == pytest.approx(100.0)


def test_cmi_is_invariant_to_the_sign_of_the_measure_and_tau_is_not():
    frame = zoo(5)
    frame["m"] = frame["result.generalization_gap"] + np.random.default_rng(6).normal(
        scale=0.2, size=len(frame))
    frame["neg"] = -frame["m"]
    gap = "result.generalization_gap"
    assert cmi_score(frame, "m", gap, AXES) == pytest.approx(cmi_score(frame, "neg", gap, AXES))
    assert kendall_tau(frame["m"], frame[gap]) == -kendall_tau(frame["neg"], frame[gap])


def test_cmi_discounts_a_measure_that_only_reads_a_hyperparameter():
    # the measure is the learning rate itself: τ is high, but conditioned on the learning
    # rates of both models it carries no information about the gap order.
    frame = zoo(7)
    frame["lr_only"] = frame["training.lr"]
    gap = "result.generalization_gap"
    assert kendall_tau(frame["lr_only"], frame[gap]) > 0.3
    assert cmi_score(frame, "lr_only", gap, AXES) == pytest.approx(0.0, abs=1e-9)
    _, per_axis = granulated_kendall(frame, "lr_only", gap, AXES, ["seed"])
    assert per_axis["training.lr"] > 0.5 and per_axis["model.width"] == 0.0


def test_conditional_mutual_information_by_hand():
    # cell 0: V_μ = V_g on 4 pairs (1 bit... ln 2 nats of MI, H = ln 2); cell 1: independent
    v_mu = np.array([1, 0, 1, 0, 1, 1, 0, 0], dtype=bool)
    v_g = np.array([1, 0, 1, 0, 1, 0, 1, 0], dtype=bool)
    cells = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    mi, h = conditional_mutual_information(v_mu, v_g, cells)
    assert mi == pytest.approx(0.5 * math.log(2))
    assert h == pytest.approx(math.log(2))


def test_score_table_from_a_trials_frame_and_its_figure():
    frame = zoo(8)
    frame["status"] = "done"
    frame["trial_hash"] = [f"h{i}" for i in range(len(frame))]
    frame["result.measure_path_norm"] = frame["result.generalization_gap"] * 2
    frame["result.measure_num_parameters"] = frame["model.width"] * 10.0
    table = score_measures(frame)
    assert list(table["measure"]) == ["num_parameters", "path_norm"]
    row = table.set_index("measure").loc["path_norm"]
    assert row["tau"] == 1.0 and row["psi"] == 1.0 and row["cmi"] == pytest.approx(100)
    assert {"psi_training.lr", "psi_model.width", "n_models"} <= set(table.columns)
    fig = plot_measure_scores(table)
    assert len(fig.axes) == 3


def test_score_table_over_the_models_that_reached_the_target_loss_only():
    frame = zoo(8)
    frame["status"] = "done"
    frame["result.measure_path_norm"] = frame["result.generalization_gap"] * 2
    reached = np.arange(len(frame)) % 3 != 0
    frame["result.reached_target_loss"] = reached
    table = score_measures(frame, only="result.reached_target_loss").set_index("measure")
    assert table.loc["path_norm", "n_models"] == reached.sum() < len(frame)
    assert table.loc["path_norm", "tau"] == 1.0
    assert score_measures(frame).set_index("measure").loc["path_norm", "n_models"] == len(frame)
    with pytest.raises(SpecError, match="only"):
        score_measures(frame, only="result.no_such_column")
