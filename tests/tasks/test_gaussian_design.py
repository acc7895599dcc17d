"""The analytic oracle's task and closed forms: each formula against a computation that does
not use it (Monte Carlo on many samples, a plain gradient-descent loop, simulated OLS)."""

import math

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator
from riskscope.tasks import make_task
from riskscope.tasks.base import Dataset
from riskscope.tasks.gaussian_design_oracle import (
    expected_least_squares,
    gradient_descent_closed_form,
    linear_class_oracle,
    per_sample_components,
    ridge_minimizer,
    training_objective,
)

PARAMS = {"input_dim": 4, "nonlinear_scale": 0.7, "noise_std": 0.5}


def _task(**extra):
    return make_task("gaussian-design", {**PARAMS, **extra})


def test_coefficients_must_match_the_input_dimension():
    with pytest.raises(SpecError) as err:
        _task(coefficients=[1.0, 2.0])
    assert err.value.field == "task.coefficients" and "length input_dim = 4" in str(err.value)
    assert _task(coefficients=[1.0, 0.0, 0.0, 2.0]).beta.tolist() == [1.0, 0.0, 0.0, 2.0]


def test_linear_predictor_risk_and_orthogonality_by_monte_carlo():
    task = _task()
    data = task.sample(400_000, torch_generator(1))
    x, y = data.x.double(), data.y[:, 0].double()
    g = task.nonlinear_part(x)[:, 0]
    se = 5 / math.sqrt(len(x))
    assert abs(g.mean()) < 5 * se and (x * g[:, None]).mean(0).abs().max() < 5 * 1.5 * se
    assert g.pow(2).mean() == pytest.approx(0.49, abs=5 * se * 0.49 * 2)
    w = torch.tensor([0.3, -0.2, 0.0, 0.1], dtype=torch.float64)
    for bias in (0.0, 0.4):
        losses = (y - x @ w - bias).pow(2)
        exact = task.linear_predictor_risk(w, bias).value
        assert abs(losses.mean() - exact) < 5 * losses.std() / math.sqrt(len(x))
    assert task.bayes_risk().value == 0.25
    assert task.linear_predictor_risk(w[:2]).value == task.linear_predictor_risk(
        torch.tensor([0.3, -0.2, 0.0, 0.0], dtype=torch.float64)).value


def test_oracle_population_quantities():
    task = _task()
    oracle = linear_class_oracle(task, 2)
    assert oracle.approximation_error == pytest.approx(0.49 + 1 / 9 + 1 / 16)
    assert oracle.best_in_class_risk == pytest.approx(0.25 + oracle.approximation_error)
    # f_F = β_S: its risk is the best-in-class risk
    assert task.linear_predictor_risk(task.beta[:2]).value == pytest.approx(
        oracle.best_in_class_risk)
    assert oracle.residual_independent and not linear_class_oracle(task, 4).residual_independent


@pytest.mark.parametrize(("bias", "weight_decay"), [(False, 0.0), (True, 0.05)])
def test_gradient_descent_closed_form_matches_the_loop(bias, weight_decay):
    task = _task()
    train = task.sample(9, torch_generator(3))
    k, lr, steps = 3, 0.15, 11
    theta = torch.zeros(k + bias, dtype=torch.float64)
    for _ in range(steps):
        theta.requires_grad_(True)
        objective = training_objective(train, theta.detach(), k, bias, weight_decay)
        z = train.x[:, :k].double()
        pred = z @ theta[:k] + (theta[k] if bias else 0.0)
        loss = (train.y[:, 0].double() - pred).pow(2).mean() + 0.5 * weight_decay * \
            theta.pow(2).sum()
        assert float(loss.detach()) == pytest.approx(objective, rel=1e-12)
        (grad,) = torch.autograd.grad(loss, theta)
        theta = (theta - lr * grad).detach()
    closed = gradient_descent_closed_form(train, k, bias, steps, lr, weight_decay)
    torch.testing.assert_close(closed, theta, rtol=1e-10, atol=1e-12)
    # the iterates converge to the minimizer, whose gradient vanishes
    far = gradient_descent_closed_form(train, k, bias, 10_000, lr, weight_decay)
    torch.testing.assert_close(far, ridge_minimizer(train, k, bias, weight_decay))


def test_minimum_norm_minimizer_when_underdetermined():
    task = _task()
    train = task.sample(2, torch_generator(4))       # n = 2 < k = 4
    theta = ridge_minimizer(train, 4, False)
    torch.testing.assert_close(theta, torch.linalg.pinv(train.x.double()) @
                               train.y[:, 0].double())
    assert training_objective(train, theta, 4, False) == pytest.approx(0.0, abs=1e-20)


def test_expected_least_squares_by_simulation():
    task = _task()
    k, n, m = 2, 12, 40_000
    data = task.sample(n * m, torch_generator(5))
    x = data.x.double().reshape(m, n, -1)
    y = data.y.double().reshape(m, n)
    rows = [per_sample_components(task, Dataset(x[i], y[i, :, None]),
                                  ridge_minimizer(Dataset(x[i], y[i, :, None]), k, False),
                                  k, False) for i in range(0, m, 20)]
    expected = expected_least_squares(task, k, n)
    # the per-sample function on a subsample agrees with the vectorized OLS below
    xs = x[..., :k]
    w = torch.linalg.solve(xs.transpose(1, 2) @ xs, xs.transpose(1, 2) @ y[..., None])[..., 0]
    train = (y - (xs @ w[..., None])[..., 0]).pow(2).mean(1)
    estimation = (w - task.beta[:k]).pow(2).sum(1)
    assert rows[3]["train_risk"] == pytest.approx(float(train[60]), rel=1e-9)
    oracle = linear_class_oracle(task, k)
    checks = {"train_risk": train, "excess_risk": estimation + oracle.approximation_error,
              "generalization_gap": estimation + oracle.best_in_class_risk - train,
              "remainder": train - oracle.best_in_class_risk}
    for name, values in checks.items():
        se = float(values.std()) / math.sqrt(m)
        assert abs(float(values.mean()) - expected[name]) < 4 * se, name


def test_expectations_refuse_where_the_closed_form_does_not_hold():
    task = _task()
    with pytest.raises(SpecError, match="independent"):
        expected_least_squares(task, 4, 20)             # g lives on a used input
    with pytest.raises(SpecError) as err:
        expected_least_squares(task, 2, 3)
    assert err.value.field == "n"
    assert expected_least_squares(_task(nonlinear_scale=0.0), 4, 20)["optimization_error"] == 0
