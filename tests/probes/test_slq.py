"""Stochastic Lanczos quadrature: exact moments per probe, density normalization, moments."""

import pytest
import torch

from riskscope.probes.estimators import slq_spectral_density
from riskscope.probes.estimators.slq import slq_nodes_weights
from riskscope.probes.linops import as_linear_operator

from .conftest import symmetric_matrix

pytestmark = pytest.mark.usefixtures("single_thread")


def test_gauss_quadrature_is_exact_for_polynomials_of_degree_below_2m():
    a = symmetric_matrix(torch.linspace(-2, 3, 70), seed=1)
    gen = torch.Generator().manual_seed(0)
    v = torch.randint(0, 2, (70,), generator=gen).double() * 2 - 1
    m = 6
    nodes, weights = slq_nodes_weights(as_linear_operator(a), v, m, gen)
    power = torch.eye(70, dtype=torch.float64)
    for p in range(2 * m):
        exact = float(v @ power @ v) / 70
        assert float((weights * nodes**p).sum()) == pytest.approx(exact, rel=1e-9, abs=1e-9)
        power = power @ a


def test_density_integrates_to_one_and_its_moments_match_the_spectrum():
    lam = torch.cat([torch.linspace(0, 1, 150), torch.tensor([8.0, 9.0])]).double()
    a = symmetric_matrix(lam, seed=2)
    density = slq_spectral_density(a, num_probes=40, num_steps=20, rng=3)
    assert density.integral() == pytest.approx(1.0, abs=1e-6)
    assert float((density.weights.sum(1) - 1).abs().max()) < 1e-12
    for p in (1, 2, 3):
        moment = density.moment(p, confidence=0.99)
        assert moment.contains(float((lam**p).mean()))
        assert moment.stderr < 0.2 * abs(moment.value)
    # the two outliers carry mass 2/152 near 8–9
    near = (density.grid > 7) & (density.grid < 10)
    mass = float(torch.trapezoid(density.density[near], density.grid[near]))
    assert mass == pytest.approx(2 / 152, rel=0.5)


def test_exhausted_krylov_space_stops_early_with_exact_weights():
    a = symmetric_matrix([1.0] * 10 + [3.0] * 10, seed=4)
    density = slq_spectral_density(a, num_probes=3, num_steps=15, rng=0)
    used = density.weights > 0
    assert int(used.sum(1).max()) == 2  # two distinct eigenvalues: two nodes
    assert density.moment(1).value == pytest.approx(2.0, rel=0.3)
    assert density.num_products <= 3 * 3
