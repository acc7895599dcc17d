"""Teacher–student tasks: shapes, determinism, Bayes risk and closed forms against Monte Carlo."""

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator
from riskscope.tasks import make_task

N_MC = 200_000


def regression(**params):
    return make_task("teacher-student-regression", params)


def test_regression_shapes_dtypes_and_determinism():
    task = regression(input_dim=7, teacher_width=16, teacher_depth=2, output_dim=3,
                      noise_std=0.1, activation="tanh")
    data = task.sample(11, torch_generator(5))
    assert data.x.shape == (11, 7) and data.x.dtype == torch.float32
    assert data.y.shape == (11, 3) and data.y.dtype == torch.float32
    again = task.sample(11, torch_generator(5))
    other = task.sample(11, torch_generator(6))
    assert torch.equal(data.x, again.x) and torch.equal(data.y, again.y)
    assert not torch.equal(data.x, other.x)
    weights = task.ground_truth()
    assert [tuple(w.shape) for k, w in sorted(weights.items()) if k.startswith("weight")] == \
        [(16, 7), (16, 16), (3, 16)]
    assert weights["output_scale"].shape == (3,)


def test_teacher_depends_only_on_its_seed():
    first = regression(teacher_seed=3).ground_truth()["weight_0"]
    assert torch.equal(first, regression(teacher_seed=3).ground_truth()["weight_0"])
    assert not torch.equal(first, regression(teacher_seed=4).ground_truth()["weight_0"])


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_teacher_output_variance_is_about_one(activation):
    task = regression(input_dim=10, teacher_width=32, teacher_depth=2, output_dim=2,
                      activation=activation)
    x = torch.randn(100_000, 10, generator=torch_generator(1), dtype=torch.float64)
    variance = task.target(x).var(dim=0)
    assert torch.allclose(variance, torch.ones(2, dtype=torch.float64), atol=0.05)


def test_regression_bayes_risk_matches_monte_carlo():
    task = regression(input_dim=8, teacher_width=32, teacher_depth=2, output_dim=2,
                      noise_std=0.5)
    exact = task.bayes_risk()
    assert exact.exact and exact.value == pytest.approx(2 * 0.25)
    estimate = task.population_risk(task.target, N_MC, torch_generator(0))
    assert estimate.method == "monte-carlo" and estimate.n == N_MC
    assert estimate.contains(exact.value)
    assert not estimate.contains(1.2 * exact.value)


def test_linear_teacher_closed_form_matches_monte_carlo():
    task = regression(input_dim=5, teacher_depth=0, output_dim=2, noise_std=0.3,
                      input_scale=1.5)
    gen = torch_generator(11)
    weight = torch.randn(2, 5, generator=gen) * 0.3
    bias = torch.randn(2, generator=gen)
    closed = task.linear_predictor_risk(weight, bias)
    assert closed.exact
    estimate = task.population_risk(lambda x: x @ weight.T + bias, N_MC, torch_generator(1))
    assert estimate.contains(closed.value)
    assert not estimate.contains(1.2 * closed.value)
    # The teacher itself as a linear predictor attains the Bayes risk.
    teacher_matrix = task.ground_truth()["weight_0"] / task.output_scale[:, None]
    assert task.linear_predictor_risk(teacher_matrix).value == pytest.approx(2 * 0.09)


def test_linear_activation_with_hidden_layers_is_a_linear_teacher():
    task = regression(input_dim=4, teacher_depth=2, teacher_width=6, activation="linear")
    assert task.linear_predictor_risk(torch.zeros(1, 4)).value == pytest.approx(1.0)


def test_linear_predictor_risk_refuses_nonlinear_teacher_and_bad_shapes():
    with pytest.raises(SpecError) as info:
        regression(teacher_depth=1, activation="relu").linear_predictor_risk(torch.zeros(1, 16))
    assert info.value.field == "activation"
    with pytest.raises(SpecError) as info:
        regression(teacher_depth=0).linear_predictor_risk(torch.zeros(2, 16))
    assert info.value.field == "weight"


def test_monte_carlo_ci_coverage():
    """The 95% t-interval of population_risk covers the true risk in 90–99% of 200 repeats."""
    task = regression(input_dim=3, teacher_depth=0, noise_std=0.5)
    weight = torch.tensor([[0.2, -0.1, 0.4]])
    truth = task.linear_predictor_risk(weight).value
    gen = torch_generator(2024)
    covered = sum(task.population_risk(lambda x: x @ weight.T, 100, gen).contains(truth)
                  for _ in range(200))
    assert 0.90 <= covered / 200 <= 0.99


def classification(**params):
    return make_task("teacher-student-classification", params)


def test_classification_labels_and_clean_argmax():
    task = classification(input_dim=6, num_classes=5, teacher_width=20)
    data = task.sample(1000, torch_generator(0))
    assert data.y.dtype == torch.int64 and data.y.shape == (1000,)
    assert torch.equal(data.y, task.target(data.x).argmax(-1))
    assert set(data.y.tolist()) <= set(range(5))


def test_classification_bayes_error_is_flip_rate():
    task = classification(input_dim=6, num_classes=4, teacher_width=20, flip_rate=0.2)
    assert task.bayes_risk().value == 0.2 and task.bayes_risk().exact
    estimate = task.population_risk(task.bayes_predictor, N_MC, torch_generator(3))
    assert estimate.contains(0.2)
    assert not estimate.contains(0.24)


def test_flipped_labels_are_always_another_class():
    task = classification(num_classes=3, flip_rate=0.5)
    data = task.sample(5000, torch_generator(4))
    clean = task.clean_label(data.x)
    flipped = data.y != clean
    assert 0.45 < flipped.double().mean() < 0.55


def test_flip_rate_at_chance_is_refused():
    with pytest.raises(SpecError) as info:
        classification(num_classes=4, flip_rate=0.75)
    assert info.value.field == "task.flip_rate"
