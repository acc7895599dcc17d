"""The certified optimum inside the decomposition: taken exactly where the objective matches
the convex reformulation (or least squares), refused otherwise, and right — nothing trained
beats its lower bound, and many long restarts reach it."""

import numpy as np
import pytest
import torch

from riskscope.analyses.decomposition.convex_relu import (
    beta_from_weight_decay,
    mlp_to_relu_network,
    relu_objective,
)
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.models.families import model_spec
from riskscope.procedures import decompose_design
from riskscope.procedures.training_optimum import (
    LEAST_SQUARES,
    RELU_CONVEX,
    RESTARTS,
    optimum_plan,
    training_objective,
)
from riskscope.tasks import make_task
from riskscope.training.config import TrainingConfig
from riskscope.training.fit import MemberSeeds, fit_ensemble

LAM, N = 1e-2, 8
TASK = {"input_dim": 1, "noise_std": 0.1, "smoothness": 1.5, "num_frequencies": 4}
RELU = {"family": "mlp", "width": 16, "depth": 1}


def _task(**extra):
    return make_task("fourier-series", {**TASK, **extra})


def _config(**extra):
    return TrainingConfig(**{"optimizer": "adam", "lr": 0.02, "steps": 300,
                             "weight_decay": LAM, "log_points": 2, **extra})


@pytest.mark.parametrize(("model", "training", "task", "method"), [
    (RELU, {}, {}, RELU_CONVEX),
    (RELU, {"optimizer": "sgd"}, {}, RELU_CONVEX),
    ({"family": "linear"}, {"weight_decay": 0.0}, {}, LEAST_SQUARES),
    ({"family": "linear"}, {"optimizer": "adamw"}, {}, None),   # decoupled decay
    (RELU, {"weight_decay": 0.0}, {}, None),
    (RELU, {"optimizer": "adamw"}, {}, None),
    ({**RELU, "depth": 2}, {}, {}, None),
    ({**RELU, "bias": False}, {}, {}, None),
    ({**RELU, "activation": "tanh"}, {}, {}, None),
    ({**RELU, "parameterization": "ntk"}, {}, {}, None),       # decay on raw ≠ on weights
    (RELU, {}, {"input_dim": 2}, None),
])
def test_plan_qualifies_exactly(model, training, task, method):
    t = _task(**task)
    plan = optimum_plan(model_spec(model, t), _config(**training), t)
    assert plan.method == method
    assert (plan.reason == "") == (method is not None)


def test_classification_and_online_training_do_not_qualify():
    t = make_task("gaussian-mixture", {"input_dim": 1})
    assert optimum_plan(model_spec(RELU, t), _config(), t).method is None
    t = _task()
    online = _config(online=True, batch_size=8)
    assert "online" in optimum_plan(model_spec(RELU, t), online, t).reason


@pytest.fixture(scope="module")
def relu_design():
    task = _task()
    spec = model_spec(RELU, task)
    design = decompose_design(task, spec, _config(), N, [(0, 5), (1, 5), (2, 6)], None,
                              task.sample(64, torch_generator(9)), 2000, extra_restarts=2)
    return task, spec, design


def test_relu_decomposition_takes_the_certified_path(relu_design):
    design = relu_design[2]
    assert design.restarts is None                          # the certificate replaces them
    assert any(RELU_CONVEX in note for note in design.notes)
    for k, row in enumerate(design.members):
        assert row["optimization_error_method"] == RELU_CONVEX and row["certified"] == 1.0
        gap = row["certificate_gap"]
        assert 0 <= gap <= 1e-6 * row["objective_lower_bound"]
        assert row["optimization_error"] >= -gap            # ≥ 0 up to the certificate
        assert row["optimization_error"] == pytest.approx(
            row["trained_objective"] - row["objective_lower_bound"], rel=1e-9)
        # J from the member equals the convex problem's own objective (penalized output bias)
        train = design.fitted.train_data           # [3, n, 1]: two training sets
        x = train.x[k, :, 0].double().numpy()
        y = train.y[k, :, 0].double().numpy()
        net = mlp_to_relu_network(design.fitted.ensemble.member(k).double())
        p = relu_objective(x, y, net.w, net.b, net.a, beta_from_weight_decay(LAM, N), c=net.c,
                           output_bias="penalized")
        assert row["trained_objective"] == pytest.approx(2 * p / N, rel=1e-9)
        # the training risk the remainder starts from is R̂_S(f̂) − the certified error
        assert row["best_train_risk"] == pytest.approx(
            row["train_risk"] - row["optimization_error"], abs=1e-12)


def test_long_restarts_reach_the_certified_value_and_never_beat_it(relu_design):
    task, spec, design = relu_design
    bound = design.members[0]["objective_lower_bound"]          # training set of data seed 5
    long = _config(lr=0.01, steps=4000, schedule="cosine")
    members = [MemberSeeds(derive_seed(s, "i"), derive_seed(s, "b"),
                           derive_seed(5, "training-set"), long.lr, LAM) for s in range(32)]
    fitted = fit_ensemble(task, spec, long, members, N)
    torch.testing.assert_close(fitted.train_data.x, design.fitted.train_data.x[0])
    found = np.array([training_objective(fitted.ensemble.member(i), fitted.train_data, LAM)
                      for i in range(len(members))])
    assert found.min() >= bound * (1 - 1e-7)                   # nothing beats the bound
    assert found.min() <= bound * (1 + 1e-4)                   # and the search reaches it


def test_without_weight_decay_the_restarts_are_used():
    task = _task()
    spec = model_spec(RELU, task)
    design = decompose_design(task, spec, _config(weight_decay=0.0, steps=50), N,
                              [(0, 5), (1, 5)], None, task.sample(64, torch_generator(9)),
                              2000, extra_restarts=1)
    assert design.restarts is not None
    for row in design.members:
        assert row["optimization_error_method"] == RESTARTS and row["certified"] == 0.0
        assert np.isnan(row["trained_objective"]) and row["optimization_error"] >= 0
