"""The decomposition's production estimators against the analytic oracle (gaussian-design,
class = linear functions of the first k inputs; docs/decomposition.md).

Each seed is one independent decomposition: its own training set, its own best-in-class run
(online Adam, `estimate_best_in_class`) and its own Monte-Carlo sample for the population
risk (`decompose_design`). The four intervals must cover the exact per-sample values (from
the trained weights and the closed forms) at their nominal 95% rate: with M = 60 seeds the
count of covers is Binomial(60, 0.95) when the intervals are right, P(count ≤ 50) ≈ 0.3%; an
oracle value shifted by 3 half-widths must (almost) never be covered (so the test can fail). The
optimization error is exact (least squares certificate) and must equal the closed form of
k-step gradient descent; means over seeds must match the OLS expectations.
"""

import math

import numpy as np
import pytest
import torch

from riskscope.core.rng import derive_seed, torch_generator
from riskscope.models.families import model_spec
from riskscope.procedures import decompose_design, estimate_best_in_class
from riskscope.procedures.training_optimum import LEAST_SQUARES
from riskscope.tasks import make_task
from riskscope.tasks.gaussian_design_oracle import (
    expected_least_squares,
    gradient_descent_closed_form,
    per_sample_components,
)
from riskscope.training.config import TrainingConfig

M, N, K, RISK_SAMPLES = 60, 12, 2, 3000
PARTS = ("excess_risk", "approximation_error", "generalization_gap", "remainder")
ONLINE = TrainingConfig(optimizer="adam", lr=0.05, steps=200, batch_size=256, online=True,
                        schedule="cosine", log_points=2)


def _run(steps: int, lr: float = 0.2):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        task = make_task("gaussian-design", {"input_dim": 4, "nonlinear_scale": 0.7,
                                             "noise_std": 0.5})
        spec = model_spec({"family": "linear", "features": K}, task)
        config = TrainingConfig(optimizer="gd", lr=lr, steps=steps, log_points=2)
        eval_data = task.sample(64, torch_generator(7))
        rows = []
        for s in range(M):
            best = estimate_best_in_class(task, spec, ONLINE, 1, derive_seed(s, "bic"),
                                          RISK_SAMPLES, validation_samples=64)
            design = decompose_design(task, spec, config, N, [(0, 1000 + s)], best.risk,
                                      eval_data, RISK_SAMPLES, risk_seed=derive_seed(s, "r"))
            row = design.members[0]
            theta = design.fitted.ensemble.member(0).readout.weight.detach()[0]
            truth = per_sample_components(task, design.fitted.train_data, theta, K, False)
            closed = gradient_descent_closed_form(design.fitted.train_data, K, False, steps,
                                                  lr)
            rows.append((row, truth, theta, closed))
    finally:
        torch.set_num_threads(threads)
    return task, rows


@pytest.fixture(scope="module")
def five_steps():
    return _run(steps=5, lr=0.05)


@pytest.fixture(scope="module")
def converged():
    return _run(steps=150)


def _coverage(rows, shift_in_half_widths: float = 0.0) -> dict[str, int]:
    out = {}
    for part in PARTS:
        half = np.median([(r[f"{part}_ci_high"] - r[f"{part}_ci_low"]) / 2 for r, *_ in rows])
        value = [t[part] + shift_in_half_widths * half for _, t, *_ in rows]
        out[part] = sum(r[f"{part}_ci_low"] <= v <= r[f"{part}_ci_high"]
                        for (r, *_), v in zip(rows, value))
    return out


@pytest.mark.parametrize("which", ["five_steps", "converged"])
def test_intervals_cover_the_analytic_values_at_the_nominal_rate(which, request):
    _, rows = request.getfixturevalue(which)
    covered = _coverage(rows)
    print(which, "covered of", M, covered, "shifted by 3 half-widths", _coverage(rows, 3.0))
    assert all(count >= 51 for count in covered.values()), covered
    shifted = _coverage(rows, 3.0)
    assert all(count <= 6 for count in shifted.values()), shifted  # P ≈ P(Z > 3.92)


def test_optimization_error_is_exact_k_step_gradient_descent(five_steps):
    _, rows = five_steps
    for row, truth, theta, closed in rows:
        assert row["optimization_error_method"] == LEAST_SQUARES and row["certified"] == 1.0
        torch.testing.assert_close(theta.double(), closed, rtol=1e-5, atol=1e-6)
        assert truth["optimization_error"] > 1e-3           # 5 steps are not converged
        assert row["optimization_error"] == pytest.approx(truth["optimization_error"],
                                                          rel=1e-4, abs=1e-6)
        assert abs(row["decomposition_residual"]) < 1e-9


def test_means_over_seeds_match_the_least_squares_expectations(converged):
    task, rows = converged
    expected = expected_least_squares(task, K, N)
    for row, *_ in rows:
        assert row["optimization_error"] == pytest.approx(0.0, abs=1e-5)
    for part in (*PARTS, "train_risk"):
        values = np.array([r[part] for r, *_ in rows])
        se = values.std(ddof=1) / math.sqrt(len(values))
        assert abs(values.mean() - expected[part]) < 4 * se + 1e-3, (part, values.mean(),
                                                                     expected[part], se)
