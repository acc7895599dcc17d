"""The trainer with an objective: stacked parameters under the batched optimizer reach a known
minimizer; a torch optimizer follows its schedule exactly; one model's batches; refusals."""

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.tasks.base import Dataset
from riskscope.training import FixedBatches, TrainingConfig, train_ensemble
from riskscope.training.objective import TrainingObjective
from riskscope.training.recorders import BatchLossRecorder


def _data(n=12):
    x = torch.arange(n * 2, dtype=torch.float32).reshape(n, 2)
    return Dataset(x, torch.zeros(n, dtype=torch.long))


def test_batched_optimizer_minimizes_a_quadratic_per_member():
    # member i minimizes ‖θ_i − c_i‖² (batch unused): the minimizer is c_i; GD with lr η
    # contracts the error by (1 − 2η) per step, so after k steps it is exactly (1 − 2η)^k.
    c = torch.tensor([[1.0, -2.0], [3.0, 0.5], [0.0, 4.0]])
    theta = torch.zeros(3, 2, requires_grad=True)
    objective = TrainingObjective(lambda b: (theta - c).pow(2).sum(1), [theta], num_members=3)
    lr = torch.tensor([0.1, 0.2, 0.25])
    logged = BatchLossRecorder([0, 5])
    traj = train_ensemble(None, None, FixedBatches(_data(), 3, 0, [0, 1, 2]),
                          TrainingConfig(optimizer="gd", steps=10), lr, torch.zeros(3),
                          recorders=[logged], measure=False, objective=objective)
    expected = c - c * (1 - 2 * lr[:, None]) ** 10
    torch.testing.assert_close(theta.detach(), expected, rtol=1e-6, atol=1e-6)
    assert traj.steps_run == 10 and traj.stop_reason == ["budget"] * 3
    series = traj.recorded[0]
    assert series["steps"].tolist() == [0, 5]
    torch.testing.assert_close(torch.from_numpy(series["loss"][0]),
                               c.pow(2).sum(1).double())


def test_a_diverging_objective_stops_as_diverged():
    theta = torch.zeros(1, 2, requires_grad=True)
    objective = TrainingObjective(lambda b: (theta.sum(1) + 1) / 0 * theta.sum(1) - 1,
                                  [theta])
    traj = train_ensemble(None, None, FixedBatches(_data(), 1, 0, [0]),
                          TrainingConfig(steps=5), torch.tensor([0.1]), torch.zeros(1),
                          measure=False, objective=objective)
    assert traj.stop_reason == ["diverged"] and traj.steps_run == 0


def test_a_torch_optimizer_follows_the_schedule_and_skips_unused_parameters():
    w, unused = torch.ones(3, requires_grad=True), torch.ones(2, requires_grad=True)
    opt = torch.optim.SGD([w, unused], lr=0.1, weight_decay=0.5)
    objective = TrainingObjective(lambda b: 0.5 * w.pow(2).sum(), [w, unused], opt)
    config = TrainingConfig(steps=4, schedule="step", step_size=2, gamma=0.5)
    train_ensemble(None, None, FixedBatches.one_model(_data(), 4, 0), config, None, None,
                   measure=False, objective=objective)
    # ∇ = w, decay 0.5 w: w ← w (1 − 1.5 η_t), η = 0.1, 0.1, 0.05, 0.05
    expected = (1 - 0.15) ** 2 * (1 - 0.075) ** 2
    torch.testing.assert_close(w.detach(), torch.full((3,), expected))
    assert torch.equal(unused.detach(), torch.ones(2))   # no gradient: not decayed either
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05) and w.grad is None


def test_one_model_batches_keep_the_input_shape_and_cover_each_epoch():
    x = torch.arange(10, dtype=torch.float32).reshape(10, 1, 1).expand(10, 2, 3).clone()
    batches = FixedBatches.one_model(Dataset(x, torch.arange(10)), 5, seed=7)
    first, second = batches.next(), batches.next()
    assert first.x.shape == (5, 2, 3) and batches.n == 10
    assert sorted(torch.cat([first.y, second.y]).tolist()) == list(range(10))
    assert torch.equal(first.x[:, 0, 0], first.y.float())


def test_refusals_name_what_is_wrong():
    theta = torch.zeros(1, 2, requires_grad=True)
    opt = torch.optim.SGD([theta], lr=0.1)
    batches = FixedBatches.one_model(_data(), 4, 0)
    with pytest.raises(ValueError, match="require grad"):
        TrainingObjective(lambda b: theta.sum(), [torch.zeros(2)])
    with pytest.raises(ValueError, match="one member"):
        TrainingObjective(lambda b: theta.sum(), [theta], opt, num_members=2)
    objective = TrainingObjective(lambda b: theta.sum(), [theta], opt)
    with pytest.raises(ValueError, match="measure=False"):
        train_ensemble(None, None, batches, TrainingConfig(steps=2), None, None,
                       objective=objective)
    with pytest.raises(SpecError, match=r"training\.target_loss"):
        train_ensemble(None, None, batches, TrainingConfig(steps=2, target_loss=0.1), None,
                       None, measure=False, objective=objective)
    with pytest.raises(ValueError, match="lr and weight_decay"):
        train_ensemble(None, None, batches, TrainingConfig(steps=2), None, None,
                       measure=False, objective=TrainingObjective(lambda b: theta.sum(),
                                                                  [theta]))
