"""fourier-series: the frequency lattice, exact normalization, decay rate and Bayes risk."""

import numpy as np
import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator
from riskscope.tasks import make_task
from riskscope.tasks.smooth_regression import half_lattice


def fourier(**params):
    return make_task("fourier-series", params)


@pytest.mark.parametrize(("dim", "k"), [(1, 5), (2, 3), (3, 2)])
def test_half_lattice_has_one_of_each_pair(dim, k):
    freq = half_lattice(dim, k)
    assert freq.shape == (((2 * k + 1) ** dim - 1) // 2, dim)
    as_set = {tuple(row) for row in freq.tolist()}
    assert len(as_set) == len(freq)
    assert all(tuple(-v for v in row) not in as_set for row in as_set)
    assert (0,) * dim not in as_set


def test_shapes_dtypes_determinism_and_range():
    task = fourier(input_dim=2, num_frequencies=4, noise_std=0.1)
    data = task.sample(13, torch_generator(0))
    assert data.x.shape == (13, 2) and data.x.dtype == torch.float32
    assert data.y.shape == (13, 1) and data.y.dtype == torch.float32
    assert data.x.min() >= 0.0 and data.x.max() <= 1.0
    assert torch.equal(data.y, task.sample(13, torch_generator(0)).y)
    assert not torch.equal(data.y, task.sample(13, torch_generator(1)).y)
    assert not torch.equal(task.cos_coef, fourier(input_dim=2, num_frequencies=4,
                                                  coef_seed=1).cos_coef)


def test_normalized_variance_is_one_exactly_and_empirically():
    task = fourier(input_dim=2, num_frequencies=6, smoothness=1.5)
    assert task.target_variance() == pytest.approx(1.0, abs=1e-12)
    x = torch.rand(100_000, 2, generator=torch_generator(3), dtype=torch.float64)
    assert task.target(x).var().item() == pytest.approx(1.0, abs=0.03)


def test_target_is_periodic():
    task = fourier(input_dim=2, num_frequencies=3)
    x = torch.rand(50, 2, generator=torch_generator(1), dtype=torch.float64)
    assert torch.allclose(task.target(x), task.target(x + torch.tensor([1.0, -2.0],
                                                                         dtype=torch.float64)))


def test_coefficients_decay_at_the_stated_rate():
    """log(a_k² + b_k²) against log k has slope −2s (the Gaussian factors only shift it)."""
    task = fourier(input_dim=1, num_frequencies=3000, smoothness=1.5)
    k = task.frequencies[:, 0].double().numpy()
    power = (task.cos_coef.pow(2) + task.sin_coef.pow(2)).numpy()
    slope = np.polyfit(np.log(k), np.log(power), 1)[0]
    assert slope == pytest.approx(-3.0, abs=0.15)


def test_bayes_risk_matches_monte_carlo():
    task = fourier(input_dim=1, num_frequencies=16, noise_std=0.3)
    exact = task.bayes_risk()
    assert exact.exact and exact.value == pytest.approx(0.09)
    estimate = task.population_risk(task.target, 200_000, torch_generator(2))
    assert estimate.contains(0.09)
    assert not estimate.contains(1.2 * 0.09)


def test_too_many_terms_is_refused():
    with pytest.raises(SpecError) as info:
        fourier(input_dim=8, num_frequencies=10)
    assert info.value.field == "task.num_frequencies"
