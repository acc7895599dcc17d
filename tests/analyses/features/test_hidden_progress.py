"""Hidden-progress tracking measures inside one run: it equals the uninterrupted run (and, for
plain SGD, the old train-in-chunks scheme); optimizer state and schedules carry through."""

import copy

import numpy as np
import pytest
import torch

from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.mlp_spec import MLPSpec
from riskscope.procedures import track_hidden_progress
from riskscope.tasks import make_task
from riskscope.training import (
    FixedBatches,
    LossSpec,
    OnlineBatches,
    TrainingConfig,
    train_ensemble,
)

CE = LossSpec("cross_entropy", "zero_one")
TASK = make_task("sparse-parity", {"n_bits": 6, "k": 2})
SPEC = MLPSpec(input_dim=6, output_dim=2, width=16, depth=1)
DATA = TASK.sample(64, torch.Generator().manual_seed(0))
EVAL = TASK.sample(256, torch.Generator().manual_seed(1))
LR, WD = torch.full((3,), 0.1), torch.zeros(3)


def _track(ensemble, config, measure_every=20, **kw):
    truth = TASK.ground_truth()
    return track_hidden_progress(ensemble, FixedBatches(DATA, 3, 16, [4, 5, 6]), config, LR, WD,
                                 EVAL, truth["support"], truth["subspace_basis"],
                                 measure_every=measure_every, **kw)


def _chunked(ensemble, config, chunk):
    """The scheme the tracker used before the trainer had a hook: one run per chunk."""
    batches = FixedBatches(DATA, 3, 16, [4, 5, 6])
    for _ in range(config.steps // chunk):
        train_ensemble(ensemble, CE, batches,
                       config.model_copy(update={"steps": chunk, "log_points": 2}), LR, WD)


def test_plain_sgd_equals_one_run_and_the_chunked_scheme():
    config = TrainingConfig(optimizer="sgd", lr=0.1, batch_size=16, steps=60, log_points=2)
    tracked = MLPEnsemble.from_seeds(SPEC, [1, 2, 3])
    whole, chunked = copy.deepcopy(tracked), copy.deepcopy(tracked)
    progress = _track(tracked, config)
    train_ensemble(whole, CE, FixedBatches(DATA, 3, 16, [4, 5, 6]), config, LR, WD)
    _chunked(chunked, config, 20)
    for a, b, c in zip(tracked.stacked_parameters(), whole.stacked_parameters(),
                       chunked.stacked_parameters()):
        assert torch.equal(a, b)
        torch.testing.assert_close(a, c, rtol=0, atol=1e-6)
    assert progress.steps == [0, 20, 40, 60] and progress.steps_run == 60
    assert progress.fourier_method.startswith("exact")
    for values in progress.series.values():
        assert values.shape == (4, 3)
    movement = progress.series["weight_movement_l1"]
    assert np.all(movement[0] == 0) and np.all(movement[1:] > 0)


@pytest.mark.parametrize("update", [
    {"momentum": 0.9},
    {"momentum": 0.9, "nesterov": True, "schedule": "cosine", "warmup_steps": 10},
    {"optimizer": "adam", "lr": 0.01},
])
def test_optimizer_state_and_schedule_carry_through_the_measurements(update):
    config = TrainingConfig(batch_size=16, steps=60, log_points=2, **{"lr": 0.1, **update})
    lr = torch.full((3,), config.lr)
    tracked = MLPEnsemble.from_seeds(SPEC, [1, 2, 3])
    whole, chunked = copy.deepcopy(tracked), copy.deepcopy(tracked)
    truth = TASK.ground_truth()
    track_hidden_progress(tracked, FixedBatches(DATA, 3, 16, [4, 5, 6]), config, lr, WD, EVAL,
                          truth["support"], truth["subspace_basis"], measure_every=20)
    train_ensemble(whole, CE, FixedBatches(DATA, 3, 16, [4, 5, 6]), config, lr, WD)
    batches = FixedBatches(DATA, 3, 16, [4, 5, 6])
    for _ in range(3):
        train_ensemble(chunked, CE, batches,
                       config.model_copy(update={"steps": 20, "log_points": 2}), lr, WD)
    for a, b in zip(tracked.stacked_parameters(), whole.stacked_parameters()):
        assert torch.equal(a, b)   # the measurements changed nothing
    gap = max((a - c).abs().max().item()
              for a, c in zip(tracked.stacked_parameters(), chunked.stacked_parameters()))
    assert gap > 1e-4              # restarting the state every chunk is a different run


def test_stops_at_the_first_measurement_where_every_member_learned():
    task = make_task("sparse-parity", {"n_bits": 6, "k": 2})
    truth = task.ground_truth()
    config = TrainingConfig(optimizer="sgd", lr=0.1, momentum=0.9, batch_size=32, online=True,
                            steps=4000, log_points=2)
    ens = MLPEnsemble.from_seeds(SPEC, [1, 2])
    evald = task.sample(512, torch.Generator().manual_seed(3))
    progress = track_hidden_progress(
        ens, OnlineBatches(task.sample, 32, 7, torch.device("cpu")), config,
        torch.full((2,), 0.1), torch.zeros(2), evald, truth["support"],
        truth["subspace_basis"], measure_every=25, stop_accuracy=0.99)
    acc = progress.series["test_accuracy"]
    assert progress.steps_run < 4000 and progress.steps[-1] == progress.steps_run
    assert progress.steps_run % 25 == 0
    assert (acc[-1] >= 0.99).all() and not (acc[:-1] >= 0.99).all(axis=1).any()
    assert progress.extra["stop_reason"] == ["requested", "requested"]


def test_hinge_training_measures_the_hinge_test_loss():
    config = TrainingConfig(optimizer="sgd", lr=0.1, batch_size=16, steps=20, log_points=2,
                            loss="hinge")
    progress = _track(MLPEnsemble.from_seeds(SPEC, [1, 2, 3]), config)
    ens = MLPEnsemble.from_seeds(SPEC, [1, 2, 3])
    with torch.no_grad():
        out = ens(EVAL.x)
    margin = (2 * EVAL.y - 1) * (out[..., 1] - out[..., 0])
    expected = torch.clamp(1 - margin, min=0).double().mean(-1).numpy()
    np.testing.assert_allclose(progress.series["test_loss"][0], expected, rtol=1e-6)


def test_fourier_gap_every_few_measurements_and_at_the_end():
    config = TrainingConfig(optimizer="sgd", lr=0.1, batch_size=16, steps=70, log_points=2)
    progress = _track(MLPEnsemble.from_seeds(SPEC, [1, 2, 3]), config, measure_every=10,
                      fourier_every=30)
    assert progress.steps == [0, 10, 20, 30, 40, 50, 60, 70]
    gap = progress.series["fourier_gap"]
    measured = [s for s, row in zip(progress.steps, gap) if np.isfinite(row).all()]
    assert measured == [0, 30, 60, 70]
    assert np.isnan(gap[[1, 2, 4, 5]]).all()
    assert np.isfinite(progress.series["test_accuracy"]).all()
    assert progress.member_series(0)["fourier_gap"][0] == [0, 30, 60, 70]
