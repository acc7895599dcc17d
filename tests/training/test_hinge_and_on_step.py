"""The hinge training loss (against a hand computation; a hinge-trained parity learns) and the
trainer's `on_step` hook (when it is called, that it can end the run, that it changes nothing)."""

import copy

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.core.validation import validate_params
from riskscope.models import MLPEnsemble, MLPSpec
from riskscope.tasks import make_task
from riskscope.tasks.base import Dataset, pointwise_loss
from riskscope.training import FixedBatches, LossSpec, OnlineBatches, TrainingConfig, train_ensemble
from riskscope.training.config import check_training_loss
from riskscope.training.measure import loss_and_grads

CE = LossSpec("cross_entropy", "zero_one")


def test_hinge_loss_by_hand():
    # margins m = (2y − 1)(z1 − z0): 0.3, 2.0, −3.0, 1.5 → losses 0.7, 0, 4, 0
    output = torch.tensor([[0.2, 0.5], [1.0, -1.0], [0.0, 3.0], [-1.0, 0.5]])
    y = torch.tensor([1, 0, 0, 1])
    loss = pointwise_loss("hinge", output, y)
    torch.testing.assert_close(loss, torch.tensor([0.7, 0.0, 4.0, 0.0]))
    # ensemble members broadcast over shared targets
    stacked = torch.stack([output, -output])
    torch.testing.assert_close(pointwise_loss("hinge", stacked, y)[1],
                               torch.tensor([1.3, 3.0, 0.0, 2.5]))
    with pytest.raises(ValueError, match="two logits"):
        pointwise_loss("hinge", torch.zeros(4, 3), y)


def test_hinge_gradient_of_an_ensemble_by_hand():
    """Fused MLP path: ∂L/∂z₁ = −(2y − 1)·1[m < 1]/B = −∂L/∂z₀, pushed through the layers."""
    spec = MLPSpec(input_dim=3, output_dim=2, width=5, depth=1)
    ens = MLPEnsemble.from_seeds(spec, [0, 1])
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 3, generator=g)
    y = torch.randint(0, 2, (8,), generator=g)
    _, loss_m, grads = loss_and_grads(ens, "hinge", x, y)
    ref = copy.deepcopy(ens)
    params = ref.stacked_parameters()
    with torch.no_grad():
        z = ref(x)
    sign = (2 * y - 1).float()
    active = (sign * (z[..., 1] - z[..., 0]) < 1).float()
    grad_z1 = -sign * active / 8
    grad_out = torch.stack([-grad_z1, grad_z1], dim=-1)
    out = ref(x)
    expected = torch.autograd.grad(out, params, grad_out)
    torch.testing.assert_close(loss_m, torch.relu(1 - sign * (z[..., 1] - z[..., 0])).mean(-1))
    for a, b in zip(grads, expected):
        torch.testing.assert_close(a, b)


def test_a_hinge_trained_network_learns_a_sparse_parity():
    task = make_task("sparse-parity", {"n_bits": 10, "k": 2})
    spec = MLPSpec(input_dim=10, output_dim=2, width=64, depth=1)
    ens = MLPEnsemble.from_seeds(spec, [0, 1])
    config = TrainingConfig(optimizer="sgd", lr=0.1, batch_size=32, online=True, steps=1500,
                            loss="hinge", log_points=2)
    evald = task.sample(1024, torch.Generator().manual_seed(5))
    with torch.no_grad():
        initial = pointwise_loss("hinge", ens(evald.x), evald.y).mean(-1).double().numpy()
    traj = train_ensemble(ens, CE, OnlineBatches(task.sample, 32, 3, torch.device("cpu")),
                          config, torch.full((2,), 0.1), torch.zeros(2), eval_data=evald)
    assert (traj.final("test_risk") <= 0.01).all()
    # the recorded losses are hinge losses
    torch.testing.assert_close(traj.metrics["test_loss"][0], initial)
    assert (traj.final("test_loss") < 0.2).all()


def test_hinge_is_refused_outside_two_class_classification():
    with pytest.raises(SpecError) as info:
        validate_params(TrainingConfig, {"loss": "mse"}, "training")
    assert info.value.field == "training.loss" and "hinge" in str(info.value)
    check_training_loss("hinge", make_task("sparse-parity", {"n_bits": 5, "k": 2}))
    regression = make_task("single-index", {"input_dim": 4, "sparsity": 2,
                                            "information_exponent": 1})
    check_training_loss("task", regression)
    with pytest.raises(SpecError) as info:
        check_training_loss("hinge", regression)
    assert info.value.field == "training.loss" and info.value.given == "hinge"
    assert "'task'" in info.value.allowed and "two-class" in info.value.allowed
    ens = MLPEnsemble.from_seeds(MLPSpec(input_dim=4, output_dim=1, width=4, depth=1), [0])
    data = regression.sample(8, torch.Generator().manual_seed(0))
    with pytest.raises(SpecError, match=r"training\.loss"):
        train_ensemble(ens, LossSpec("squared_error", "squared_error"),
                       FixedBatches(data, 1, 0, [0]), TrainingConfig(loss="hinge", steps=2),
                       torch.full((1,), 0.1), torch.zeros(1))


def _toy(seeds=(1, 2)):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 3, generator=g)
    data = Dataset(x, (x[:, 0] > 0).long())
    ens = MLPEnsemble.from_seeds(MLPSpec(input_dim=3, output_dim=2, width=8, depth=1), seeds)
    return ens, data


def test_on_step_is_called_at_zero_every_k_steps_and_at_the_end():
    ens, data = _toy()
    seen = []
    config = TrainingConfig(optimizer="sgd", lr=0.1, momentum=0.9, batch_size=8, steps=23)
    ref = copy.deepcopy(ens)
    traj = train_ensemble(ens, CE, FixedBatches(data, 2, 8, [3, 4]), config,
                          torch.full((2,), 0.1), torch.zeros(2), on_step=seen.append,
                          on_step_every=5)
    assert seen == [0, 5, 10, 15, 20, 23] and traj.steps_run == 23
    train_ensemble(ref, CE, FixedBatches(data, 2, 8, [3, 4]), config, torch.full((2,), 0.1),
                   torch.zeros(2))
    for a, b in zip(ens.stacked_parameters(), ref.stacked_parameters()):
        assert torch.equal(a, b)


def test_on_step_can_end_the_run_with_the_parameters_of_that_step():
    ens, data = _toy()
    config = TrainingConfig(optimizer="adam", lr=0.01, batch_size=8, steps=100)
    seen, snapshot = [], {}

    def hook(step):
        seen.append(step)
        if step == 30:
            snapshot["params"] = [p.detach().clone() for p in ens.stacked_parameters()]
            return True
        return None

    traj = train_ensemble(ens, CE, FixedBatches(data, 2, 8, [3, 4]), config,
                          torch.full((2,), 0.01), torch.zeros(2), on_step=hook, on_step_every=10)
    assert seen == [0, 10, 20, 30]
    assert traj.steps_run == 30 and list(traj.stop_step) == [30, 30]
    assert traj.stop_reason == ["requested", "requested"] and traj.steps[-1] == 30
    for a, b in zip(ens.stacked_parameters(), snapshot["params"]):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="on_step_every"):
        train_ensemble(ens, CE, FixedBatches(data, 2, 8, [3, 4]), config,
                       torch.full((2,), 0.01), torch.zeros(2), on_step=hook, on_step_every=0)


def test_on_step_sees_the_step_at_which_every_member_stopped():
    ens, data = _toy()
    config = TrainingConfig(optimizer="gd", lr=0.5, steps=2000, stop_on_interpolation=True)
    seen = []
    traj = train_ensemble(ens, CE, FixedBatches(data, 2, 0, [0, 1]), config,
                          torch.full((2,), 0.5), torch.zeros(2), on_step=seen.append,
                          on_step_every=100)
    assert traj.stop_reason == ["interpolated", "interpolated"]
    assert seen[-1] == traj.steps_run < 2000 and len(seen) == len(set(seen))
