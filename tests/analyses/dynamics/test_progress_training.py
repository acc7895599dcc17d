"""The progress-measuring loop trains exactly like the shared trainer."""

import numpy as np
import torch

from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.mlp_spec import MLPSpec
from riskscope.procedures.progress_training import train_with_progress
from riskscope.tasks import make_task
from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches
from riskscope.training.trainer import LossSpec, train_ensemble


def test_same_trajectory_as_train_ensemble():
    p = 7
    task = make_task("modular-addition", {"modulus": p, "train_fraction": 0.5})
    spec = MLPSpec(input_dim=2 * p, output_dim=p, width=16, depth=1, activation="quadratic",
                   bias=False)
    config = TrainingConfig(optimizer="adamw", lr=0.01, beta2=0.98, steps=25, log_points=5)
    lr, wd = torch.full((2,), 0.01), torch.tensor([0.0, 1.0])
    ours = MLPEnsemble.from_seeds(spec, [1, 2])
    run = train_with_progress(ours, lambda: ours.weights[0][:, :, :p].transpose(1, 2),
                              task.train_pool, task.holdout(), config, lr, wd, [5, 6],
                              lambda x: (x[:, :p].argmax(-1) + x[:, p:].argmax(-1)) % p, 2)
    theirs = MLPEnsemble.from_seeds(spec, [1, 2])
    traj = train_ensemble(theirs, LossSpec("cross_entropy", "zero_one"),
                          FixedBatches(task.train_pool, 2, 0, [5, 6]), config, lr, wd,
                          eval_data=task.holdout())
    assert run.steps == traj.steps
    for name in ("train_loss", "test_loss", "test_risk", "weight_norm"):
        np.testing.assert_allclose(run.metrics[name], traj.metrics[name], rtol=1e-5, atol=1e-6)
    for ours_p, theirs_p in zip(ours.stacked_parameters(), theirs.stacked_parameters()):
        torch.testing.assert_close(ours_p, theirs_p)
    assert set(run.metrics) >= {"fourier_concentration", "restricted_loss", "excluded_loss"}
