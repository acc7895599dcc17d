"""The integrated error analysis: identities checked exactly, estimators against ground truth."""

import math

import numpy as np
import pytest
import torch

from riskscope.analyses.decomposition import bias_variance_decomposition, decompose_excess_risk
from riskscope.core.estimate import Estimate
from riskscope.core.rng import torch_generator
from riskscope.models import MLPSpec
from riskscope.procedures import decompose, decompose_design, estimate_best_in_class
from riskscope.tasks import make_task
from riskscope.training import TrainingConfig


def _est(value, half=0.01):
    return Estimate(value, half / 2, value - half, value + half, 0.95, "monte-carlo", 1000)


def test_components_close_the_identity_and_carry_intervals():
    parts = decompose_excess_risk(_est(0.40), train_risk=0.10, best_train_risk=0.07,
                                  best_in_class_risk=_est(0.27, 0.005), bayes_risk=0.25)
    flat = parts.flat()
    assert flat["approximation_error"] == pytest.approx(0.02)
    assert flat["optimization_error"] == pytest.approx(0.03)
    assert flat["generalization_gap"] == pytest.approx(0.30)
    assert flat["remainder"] == pytest.approx(0.07 - 0.27)
    total = sum(flat[k] for k in ("approximation_error", "optimization_error",
                                  "generalization_gap", "remainder"))
    assert total == pytest.approx(flat["excess_risk"]) == pytest.approx(0.15)
    assert abs(flat["decomposition_residual"]) < 1e-12
    assert flat["excess_risk_ci_low"] == pytest.approx(0.14)
    assert flat["remainder_ci_low"] == pytest.approx(0.07 - 0.275)  # sign flips the interval
    # never negative, even if the "best" run found is worse than this one
    worse = decompose_excess_risk(_est(0.4), 0.05, 0.07, _est(0.27), 0.25)
    assert worse.optimization_error == 0.0


def test_unknown_bayes_risk_reports_what_can_be_computed():
    parts = decompose_excess_risk(_est(0.4), 0.1, 0.08, None, None)
    flat = parts.flat()
    assert set(parts.uncomputable) == {"excess_risk", "approximation_error", "remainder"}
    assert math.isnan(flat["excess_risk"]) and math.isnan(flat["approximation_error"])
    assert flat["optimization_error"] == pytest.approx(0.02)
    assert flat["generalization_gap"] == pytest.approx(0.3)


def test_bias_variance_matches_brute_force_definitions():
    gen = torch.Generator().manual_seed(0)
    pred = torch.randn(3, 4, 50, 2, generator=gen, dtype=torch.float64)
    target = torch.randn(50, 2, generator=gen, dtype=torch.float64)
    bv = bias_variance_decomposition(pred, target)
    p = pred.numpy()
    t = target.numpy()
    mean = p.mean(axis=(0, 1))
    bias2 = np.mean(np.sum((mean - t) ** 2, -1))
    var = np.mean([np.sum((p[s, d] - mean) ** 2, -1) for s in range(3) for d in range(4)])
    var_init = np.mean([np.sum(np.var(p[:, d], axis=0), -1) for d in range(4)])
    var_data = np.mean(np.sum(np.var(p.mean(axis=0), axis=0), -1))
    assert bv.bias_squared == pytest.approx(bias2, rel=1e-12)
    assert bv.variance == pytest.approx(var, rel=1e-12)
    assert bv.variance_init == pytest.approx(var_init, rel=1e-12)
    assert bv.variance_data == pytest.approx(var_data, rel=1e-12)
    assert bv.variance == pytest.approx(bv.variance_init + bv.variance_data, rel=1e-12)
    assert bv.mean_squared_error == pytest.approx(bv.bias_squared + bv.variance, rel=1e-12)


ONLINE = TrainingConfig(optimizer="adam", lr=0.02, steps=700, batch_size=256, online=True,
                        schedule="cosine")


def test_best_in_class_realizable_vs_narrow():
    task = make_task("teacher-student-regression", {"input_dim": 2, "teacher_width": 3,
                                                    "teacher_depth": 0, "noise_std": 0.5})
    # A linear teacher: a linear student (width 2, identity activation) is realizable.
    spec = MLPSpec(input_dim=2, output_dim=1, width=2, depth=1, activation="linear")
    best = estimate_best_in_class(task, spec, ONLINE, restarts=2, seed=1, risk_samples=40000)
    bayes = task.bayes_risk().value
    assert best.risk.ci_low <= bayes + 2e-3  # approximation error ~0 (upper estimate)
    relu_task = make_task("teacher-student-regression", {"input_dim": 2, "teacher_width": 3,
                                                         "noise_std": 0.5})
    narrow = MLPSpec(input_dim=2, output_dim=1, width=1, depth=1)
    worse = estimate_best_in_class(relu_task, narrow, ONLINE, restarts=2, seed=1,
                                   risk_samples=40000)
    assert worse.risk.ci_low > relu_task.bayes_risk().value + 0.02
    assert len(worse.restart_validation_risks) == 2


def test_design_identities_hold_member_by_member():
    task = make_task("teacher-student-regression", {"input_dim": 2, "teacher_width": 3,
                                                    "noise_std": 0.3})
    spec = MLPSpec(input_dim=2, output_dim=1, width=4, depth=1)
    config = TrainingConfig(optimizer="adam", lr=0.02, steps=150)
    eval_data = task.sample(1000, torch_generator(5))
    pairs = [(s, d) for d in (10, 11) for s in (0, 1)]
    design = decompose_design(task, spec, config, 40, pairs, _est(0.1), eval_data,
                              risk_samples=5000, extra_restarts=1, restart_step_factor=1.5)
    assert len(design.members) == 4
    for row in design.members:
        assert abs(row["decomposition_residual"]) < 1e-12
        assert row["optimization_error"] >= 0
        assert row["best_train_risk"] <= row["train_risk"] + 1e-12
        assert row["population_risk_ci_low"] <= row["population_risk"]
        assert row["variance"] == pytest.approx(row["variance_init"] + row["variance_data"])
    # members on one training set share the best training risk
    by_set = {}
    for (_, d), row in zip(pairs, design.members):
        by_set.setdefault(d, set()).add(row["best_train_risk"])
    assert all(len(v) == 1 for v in by_set.values())
    # mean squared error to the target on the evaluation sample = bias² + variance, and it
    # agrees with the mean excess risk up to Monte Carlo error
    row = design.members[0]
    excess = np.mean([r["excess_risk"] for r in design.members])
    assert row["mean_squared_error_to_target"] == pytest.approx(
        row["bias_squared"] + row["variance"])
    assert row["mean_squared_error_to_target"] == pytest.approx(excess, rel=0.15)


def test_real_data_without_bayes_risk_still_reports_the_rest():
    task = make_task("digits", {})
    spec = MLPSpec(input_dim=task.input_dim, output_dim=task.output_dim, width=8, depth=1)
    config = TrainingConfig(optimizer="adam", lr=0.01, steps=40)
    design = decompose_design(task, spec, config, 200, [(0, 1), (1, 1)], None, task.holdout(),
                              risk_samples=100, extra_restarts=0)
    row = design.members[0]
    assert row["uncomputable"] == "excess_risk,approximation_error,remainder"
    assert math.isnan(row["approximation_error"]) and np.isfinite(row["generalization_gap"])
    assert row["population_risk_method"] == "held-out"
    assert "no known Bayes risk" in design.notes[0]


def test_python_api_returns_a_typed_result():
    res = decompose("teacher-student-regression", widths=[2], n_train=[20, 40],
                    task_params={"input_dim": 2, "teacher_width": 2, "noise_std": 0.2},
                    training={"optimizer": "adam", "lr": 0.02, "steps": 60},
                    best_in_class={"optimizer": "adam", "lr": 0.02, "steps": 200,
                                   "batch_size": 128, "online": True},
                    init_seeds=2, data_seeds=2, best_in_class_restarts=1, risk_samples=2000,
                    extra_restarts=1, device="cpu")
    frame = res.to_pandas()
    assert len(frame) == 2 * 2 * 2
    assert {"approximation_error", "optimization_error", "generalization_gap", "remainder",
            "excess_risk", "variance_init", "variance_data"} <= set(frame.columns)
    assert set(res.best_in_class) == {2}
    assert len(res.summary()) == 2
