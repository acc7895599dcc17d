"""The GD loop (same steps as the trainer), sharpness tracking, the edge-of-stability summary."""

import numpy as np
import pytest
import torch

from riskscope.analyses.curvature import summarize_member
from riskscope.analyses.curvature.records import SharpnessTrajectory
from riskscope.models import MLPEnsemble, MLPSpec
from riskscope.probes.linops.data import resolve_loss
from riskscope.procedures import run_gradient_descent, track_sharpness
from riskscope.procedures.gradient_descent import GradientDescentRecord
from riskscope.tasks import Dataset
from riskscope.testing.dense_curvature import dense_hessian
from riskscope.training import FixedBatches, LossSpec, TrainingConfig, train_ensemble

pytestmark = pytest.mark.usefixtures("single_thread")

SPEC = MLPSpec(input_dim=3, output_dim=2, width=8, depth=2, activation="tanh")


def _data(n=20):
    gen = torch.Generator().manual_seed(0)
    return torch.randn(n, 3, generator=gen), torch.randn(n, 2, generator=gen)


def test_loop_follows_the_trainers_gradient_descent():
    x, y = _data()
    lr = torch.tensor([0.05, 0.2])
    ours = MLPEnsemble.from_seeds(SPEC, [1, 2])
    record = run_gradient_descent(ours, x, y, "squared_error", lr, 40)
    theirs = MLPEnsemble.from_seeds(SPEC, [1, 2])
    config = TrainingConfig(optimizer="gd", batch_size=0, steps=40, log_points=5)
    traj = train_ensemble(theirs, LossSpec("squared_error", "squared_error"),
                          FixedBatches(Dataset(x, y), 2, 0, [0, 0]), config, lr,
                          torch.zeros(2))
    assert np.allclose(record.losses[traj.steps, :], traj.metrics["train_loss"], rtol=1e-5)
    for a, b in zip(ours.stacked_parameters(), theirs.stacked_parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_measured_sharpness_is_the_top_eigenvalue_of_the_dense_hessian():
    x, y = _data()
    x, y = x.double(), y.double()
    ensemble = MLPEnsemble.from_seeds(SPEC, [1, 2], dtype=torch.float64)
    traj = track_sharpness(ensemble, x, y, "squared_error",
                           torch.tensor([0.1, 0.3], dtype=torch.float64), 30, 10, tol=1e-8)
    assert traj.measured_steps.tolist() == [0, 10, 20, 30]
    loss_fn = resolve_loss("squared_error", y)[0]
    for i in range(2):
        member = ensemble.member(i)
        exact = torch.linalg.eigvalsh(dense_hessian(member, x, y, loss_fn))[-1]
        assert traj.sharpness[-1, i] == pytest.approx(float(exact), rel=1e-7)
    assert traj.threshold == pytest.approx([20.0, 2 / 0.3])
    assert traj.products > 0


def test_a_diverging_member_is_frozen_and_the_others_go_on():
    x, y = _data()
    ensemble = MLPEnsemble.from_seeds(SPEC, [1, 2])
    traj = track_sharpness(ensemble, x, y, "squared_error", torch.tensor([0.05, 1e4]), 20, 5)
    assert traj.record.diverged.tolist() == [False, True]
    assert np.isnan(traj.sharpness[-1, 1]) and np.isfinite(traj.sharpness[-1, 0])
    summary = summarize_member(traj, 0)
    assert np.isfinite(summary.final_loss) and summary.max_sharpness > 0


def test_summary_reads_the_edge_of_stability_off_a_trajectory():
    steps = np.arange(0, 101, 10)
    sharpness = np.array([2, 4, 6, 8, 9.5, 10.2, 9.9, 10.1, 10.0, 10.3, 9.8])[:, None]
    losses = np.array([5, 4, 3, 3.5, 2, 2.5, 1] + [1.0 - 0.001 * k for k in range(94)])[:, None]
    record = GradientDescentRecord(losses, np.ones_like(losses), np.array([False]),
                                   np.array([-1]))
    traj = SharpnessTrajectory(steps, sharpness, np.array([0.2]), record)
    summary = summarize_member(traj, 0, late_fraction=0.3)
    assert summary.threshold == pytest.approx(10.0)
    assert summary.max_sharpness == pytest.approx(10.3)
    assert summary.sharpness_ratio_late == pytest.approx(1.005)  # median of 10.1, 10, 10.3, 9.8
    assert summary.steps_to_edge == 40
    assert summary.loss_increase_fraction == pytest.approx(2 / 100)
    assert summary.final_loss == pytest.approx(1.0 - 0.093)
