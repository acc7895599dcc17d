"""Gaussian mixture: Bayes error closed form (C = 2) and RQMC (C > 2) against Monte Carlo."""

import math
from itertools import combinations

import numpy as np
import pytest
import torch
from scipy import stats

from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator
from riskscope.tasks import make_task
from riskscope.tasks.mixture_bayes_error import reduce_to_span, rqmc_bayes_error

N_MC = 200_000


def mixture(**params):
    return make_task("gaussian-mixture", params)


def test_shapes_dtypes_determinism():
    task = mixture(input_dim=4, num_classes=3)
    data = task.sample(9, torch_generator(0))
    assert data.x.shape == (9, 4) and data.x.dtype == torch.float32
    assert data.y.shape == (9,) and data.y.dtype == torch.int64
    assert torch.equal(data.x, task.sample(9, torch_generator(0)).x)
    assert not torch.equal(data.x, task.sample(9, torch_generator(1)).x)


def test_simplex_means_are_equidistant_and_centred():
    task = mixture(input_dim=5, num_classes=4, separation=3.0, mean_seed=7)
    means = task.ground_truth()["means"]
    distances = [float((means[a] - means[b]).norm()) for a, b in combinations(range(4), 2)]
    assert distances == pytest.approx([3.0] * 6)
    assert means.mean(0).abs().max() < 1e-12
    assert not torch.equal(means, mixture(input_dim=5, num_classes=4, separation=3.0).means)


def test_two_classes_closed_form_vs_monte_carlo():
    task = mixture(input_dim=3, num_classes=2, separation=1.5, noise_std=0.8,
                   priors=[0.3, 0.7])
    exact = task.bayes_risk()
    assert exact.exact
    estimate = task.population_risk(task.bayes_predictor, N_MC, torch_generator(0))
    assert estimate.contains(exact.value)
    assert not estimate.contains(1.2 * exact.value)


def test_equal_priors_two_classes_is_phi_of_half_distance():
    task = mixture(input_dim=2, num_classes=2, separation=2.0, noise_std=1.0)
    assert task.bayes_risk().value == pytest.approx(stats.norm.cdf(-1.0), abs=1e-15)


def test_rqmc_path_agrees_with_two_class_closed_form():
    task = mixture(input_dim=3, num_classes=2, separation=1.5, noise_std=0.8,
                   priors=[0.3, 0.7])
    reduced = reduce_to_span(task.means.numpy(), 0.8)
    rqmc = rqmc_bayes_error(reduced, task.priors.numpy())
    assert rqmc.stderr > 0
    assert abs(rqmc.value - task.bayes_risk().value) < 5 * rqmc.stderr + 1e-9


def orthant_bayes_error(means: np.ndarray, sigma: float, priors: np.ndarray) -> float:
    """Independent formula: P(correct | c) = P(D ε < b) with D rows m_j − m_c (Genz's MVN cdf)."""
    m = reduce_to_span(means, sigma)
    correct = 0.0
    for c in range(len(priors)):
        others = [j for j in range(len(priors)) if j != c]
        rows = np.stack([m[j] - m[c] for j in others])
        bounds = np.array([np.sum(rows[i] ** 2) / 2 + math.log(priors[c] / priors[j])
                           for i, j in enumerate(others)])
        correct += priors[c] * stats.multivariate_normal.cdf(
            bounds, mean=np.zeros(len(others)), cov=rows @ rows.T, abseps=1e-7, releps=1e-7)
    return 1.0 - correct


def test_three_classes_numerical_vs_monte_carlo_and_orthant_formula():
    task = mixture(input_dim=4, num_classes=3, separation=2.0, priors=[0.2, 0.3, 0.5],
                   mean_layout="random", mean_seed=1)
    numerical = task.bayes_risk()
    assert not numerical.exact and numerical.stderr > 0
    assert "quasi-Monte Carlo" in numerical.method
    estimate = task.population_risk(task.bayes_predictor, N_MC, torch_generator(2))
    combined = math.hypot(estimate.stderr, numerical.stderr)
    assert abs(estimate.value - numerical.value) < 3 * combined
    assert abs(estimate.value - 1.2 * numerical.value) > 3 * combined
    reference = orthant_bayes_error(task.means.numpy(), 1.0, task.priors.numpy())
    assert abs(numerical.value - reference) < 1e-4


def test_bayes_error_is_deterministic():
    first = mixture(input_dim=3, num_classes=4).bayes_risk()
    assert first.value == mixture(input_dim=3, num_classes=4).bayes_risk().value


def test_coincident_means_give_one_minus_largest_prior():
    task = mixture(input_dim=2, num_classes=3, separation=0.0, priors=[0.2, 0.5, 0.3])
    assert task.bayes_risk().value == pytest.approx(0.5)


def test_sampled_labels_follow_priors():
    task = mixture(num_classes=2, priors=[0.25, 0.75])
    y = task.sample(40_000, torch_generator(5)).y
    assert abs(y.double().mean().item() - 0.75) < 0.01


def test_given_means_are_used():
    task = mixture(input_dim=2, num_classes=2, means=[[0.0, 0.0], [3.0, 4.0]], noise_std=2.0)
    assert task.bayes_risk().value == pytest.approx(stats.norm.cdf(-1.25))


@pytest.mark.parametrize(("params", "field"), [
    ({"input_dim": 2, "num_classes": 4}, "num_classes"),
    ({"num_classes": 2, "priors": [0.5, 0.6]}, "task.priors"),
    ({"num_classes": 3, "priors": [0.5, 0.5]}, "task.priors"),
    ({"num_classes": 2, "priors": [1.0, 0.0]}, "task.priors.1"),
    ({"input_dim": 2, "num_classes": 2, "means": [[0.0, 1.0]]}, "task.means"),
    ({"noise_std": 0.0}, "task.noise_std"),
])
def test_invalid_parameters_name_the_field(params, field):
    with pytest.raises(SpecError) as info:
        mixture(**params)
    assert info.value.field == field


def test_random_layout_allows_many_classes_in_low_dimension():
    task = mixture(input_dim=2, num_classes=6, mean_layout="random", separation=4.0)
    assert task.means.shape == (6, 2)
    assert 0.0 < task.bayes_risk().value < 5 / 6
