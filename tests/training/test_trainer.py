"""The batched trainer against per-model PyTorch training, divergence, stopping, repeatability."""

import math

import numpy as np
import torch

from riskscope.core.rng import torch_generator
from riskscope.models import MLPEnsemble, MLPSpec
from riskscope.tasks.base import Dataset
from riskscope.training import (
    FixedBatches,
    LossSpec,
    OnlineBatches,
    TrainingConfig,
    train_ensemble,
)

SPEC = MLPSpec(input_dim=3, output_dim=1, width=10, depth=2, activation="tanh")
MSE = LossSpec("squared_error", "squared_error")


def _data(n=32, seed=0):
    g = torch_generator(seed)
    x = torch.randn(n, 3, generator=g)
    return Dataset(x, torch.sin(2 * x[:, :1]) + 0.1 * x[:, 1:2])


def _train(seeds, config, lrs=None, data=None, batch_seeds=None):
    data = data or _data()
    ens = MLPEnsemble.from_seeds(SPEC, seeds)
    m = len(seeds)
    lr = torch.tensor(lrs if lrs is not None else [config.lr] * m)
    batches = FixedBatches(data, m, config.batch_size, batch_seeds or list(seeds))
    traj = train_ensemble(ens, MSE, batches, config, lr, torch.zeros(m), eval_data=data)
    return ens, traj


def test_matches_per_model_pytorch_training():
    config = TrainingConfig(optimizer="sgd", lr=0.05, momentum=0.9, steps=60)
    ens, traj = _train([1, 2], config)
    data = _data()
    for i, seed in enumerate([1, 2]):
        model = MLPEnsemble.from_seeds(SPEC, [seed]).member(0)
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        for _ in range(60):
            opt.zero_grad()
            ((model(data.x) - data.y) ** 2).sum(-1).mean().backward()
            opt.step()
        for p, q in zip(ens.member(i).parameters(), model.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)
        final = ((model(data.x) - data.y) ** 2).sum(-1).mean().item()
        assert traj.final("train_loss")[i] == np.float64(final) or \
            math.isclose(traj.final("train_loss")[i], final, rel_tol=1e-4)


def test_bit_for_bit_repeatable_on_cpu():
    config = TrainingConfig(optimizer="adam", lr=0.01, steps=40, batch_size=8)
    a, ta = _train([3, 4, 5], config)
    b, tb = _train([3, 4, 5], config)
    for p, q in zip(a.stacked_parameters(), b.stacked_parameters()):
        assert torch.equal(p, q)
    for name in ta.metrics:
        assert np.array_equal(ta.metrics[name], tb.metrics[name], equal_nan=True)


def test_minibatch_member_does_not_depend_on_its_group():
    config = TrainingConfig(optimizer="sgd", lr=0.05, steps=30, batch_size=8)
    alone, _ = _train([7], config)
    grouped, _ = _train([5, 7, 9], config)
    for p, q in zip(alone.member(0).parameters(), grouped.member(1).parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_diverging_member_is_frozen_and_the_others_finish():
    config = TrainingConfig(optimizer="sgd", lr=0.05, steps=80)
    ens, traj = _train([1, 2, 3], config, lrs=[0.05, 1e4, 0.05])
    assert traj.stop_reason == ["budget", "diverged", "budget"]
    assert traj.stop_step[1] < 80
    assert np.isfinite(traj.final("train_loss")[[0, 2]]).all()
    # The healthy members are exactly what they would be without the diverging one.
    ref, _ = _train([1, 3], config)
    for p, q in zip(ens.member(2).parameters(), ref.member(1).parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)
    # NaN from the diverged member's step onward, in every metric.
    after = [k for k, s in enumerate(traj.steps) if s > traj.stop_step[1]]
    assert np.isnan(traj.metrics["train_loss"][after, 1]).all()


def test_stops_at_target_loss_and_on_interpolation():
    config = TrainingConfig(optimizer="sgd", lr=0.1, momentum=0.9, steps=3000, target_loss=0.05)
    ens, traj = _train([1, 2], config)
    assert traj.stop_reason == ["target_loss", "target_loss"]
    assert (traj.final("train_loss") <= 0.05 + 1e-9).all()
    assert traj.steps_run == max(traj.stop_step)

    g = torch_generator(0)
    x = torch.randn(20, 3, generator=g)
    data = Dataset(x, (x[:, 0] > 0).long())
    spec = MLPSpec(input_dim=3, output_dim=2, width=16, depth=1)
    ens = MLPEnsemble.from_seeds(spec, [0, 1])
    config = TrainingConfig(optimizer="gd", lr=0.5, steps=2000, stop_on_interpolation=True)
    traj = train_ensemble(ens, LossSpec("cross_entropy", "zero_one"),
                          FixedBatches(data, 2, 0, [0, 1]), config, torch.full((2,), 0.5),
                          torch.zeros(2), eval_data=data)
    assert traj.stop_reason == ["interpolated", "interpolated"]
    assert (traj.final("train_risk") == 0).all()


def test_online_mode_draws_fresh_samples():
    def sampler(n, gen):
        x = torch.randn(n, 3, generator=gen)
        return Dataset(x, x[:, :1] * 2)

    config = TrainingConfig(optimizer="sgd", lr=0.05, steps=300, batch_size=16, online=True)
    ens = MLPEnsemble.from_seeds(SPEC, [0, 1])
    traj = train_ensemble(ens, MSE, OnlineBatches(sampler, 16, 0, torch.device("cpu")), config,
                          torch.full((2,), 0.05), torch.zeros(2), eval_data=sampler(512,
                                                                             torch_generator(9)))
    assert traj.final("test_loss").max() < 0.1 * traj.metrics["test_loss"][0].min()
    assert "grad_norm" not in traj.metrics  # no fixed training set to take it on


def test_recorded_metrics_are_consistent():
    config = TrainingConfig(optimizer="gd", lr=0.05, steps=50, log_points=10)
    ens, traj = _train([1], config)
    assert traj.steps[0] == 0 and traj.steps[-1] == 50
    assert traj.metrics["distance_from_init"][0, 0] == 0.0
    norm = math.sqrt(sum(p.detach().pow(2).sum().item() for p in ens.stacked_parameters()))
    assert traj.metrics["weight_norm"][-1, 0] == np.float64(norm) or \
        math.isclose(traj.metrics["weight_norm"][-1, 0], norm, rel_tol=1e-6)


def test_minibatch_target_loss_is_checked_on_the_whole_training_set():
    """A mini-batch run stops when the *whole-set* loss reaches the target, at a check step
    (every epoch = 4 steps here), and not on a lucky mini-batch."""
    target = 0.05
    config = TrainingConfig(optimizer="sgd", lr=0.1, momentum=0.9, steps=3000, batch_size=8,
                            target_loss=target)
    ens, traj = _train([1, 2], config)
    assert traj.stop_reason == ["target_loss", "target_loss"]
    assert all(s % 4 == 0 for s in traj.stop_step)
    data = _data()
    with torch.no_grad():
        whole = ((ens(data.x) - data.y) ** 2).sum(-1).mean(-1)
    assert (whole <= target).all()
    # One check interval earlier the same run was still above the target on the whole set.
    earlier = config.model_copy(update={"target_loss": None, "steps": int(min(traj.stop_step)) - 4})
    before, _ = _train([1, 2], earlier)
    with torch.no_grad():
        assert ((before(data.x) - data.y) ** 2).sum(-1).mean(-1).min() > target
    custom = config.model_copy(update={"stop_check_every": 7})
    _, traj7 = _train([1, 2], custom)
    assert all(s % 7 == 0 for s in traj7.stop_step)
