"""Chunked training with measurements in between equals one uninterrupted run (plain SGD)."""

import copy

import numpy as np
import torch

from riskscope.analyses.features import track_hidden_progress
from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.mlp_spec import MLPSpec
from riskscope.tasks import make_task
from riskscope.training import FixedBatches, LossSpec, TrainingConfig, train_ensemble


def test_chunks_reproduce_one_run_and_series_have_one_row_per_measurement():
    task = make_task("sparse-parity", {"n_bits": 6, "k": 2})
    spec = MLPSpec(input_dim=6, output_dim=2, width=16, depth=1)
    data = task.sample(64, torch.Generator().manual_seed(0))
    config = TrainingConfig(optimizer="sgd", lr=0.1, batch_size=16, steps=60, log_points=2)
    lr, wd = torch.full((3,), 0.1), torch.zeros(3)
    chunked = MLPEnsemble.from_seeds(spec, [1, 2, 3])
    whole = copy.deepcopy(chunked)
    truth = task.ground_truth()
    progress = track_hidden_progress(
        chunked, FixedBatches(data, 3, 16, [4, 5, 6]), config, lr, wd,
        task.sample(256, torch.Generator().manual_seed(1)), truth["support"],
        truth["subspace_basis"], measure_every=20)
    train_ensemble(whole, LossSpec("cross_entropy", "zero_one"),
                   FixedBatches(data, 3, 16, [4, 5, 6]), config, lr, wd)
    for a, b in zip(chunked.stacked_parameters(), whole.stacked_parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    assert progress.steps == [0, 20, 40, 60] and progress.steps_run == 60
    assert progress.fourier_method.startswith("exact")
    for values in progress.series.values():
        assert values.shape == (4, 3)
    movement = progress.series["weight_movement_l1"]
    assert np.all(movement[0] == 0) and np.all(movement[1:] > 0)
