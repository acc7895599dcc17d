"""Random-features ridge: closed-form moments and risk against brute force, and the
deterministic-equivalent prediction against a Monte Carlo over training sets."""

import math

import pytest
import torch

from riskscope.analyses.dynamics.random_features_risk import (
    exact_test_risk,
    fit_ridge,
    predicted_test_risk,
)
from riskscope.models.random_features import (
    random_feature_matrix,
    relu_feature_moments,
    relu_features,
)

D, N, SIGMA = 6, 12, 0.5


@pytest.fixture(scope="module")
def setup():
    g = torch.Generator().manual_seed(0)
    weights = random_feature_matrix(N, D, g)
    beta = torch.randn(D, generator=g, dtype=torch.float64) / math.sqrt(D)
    return weights, beta, relu_feature_moments(weights, beta)


def test_moments_match_a_large_sample(setup):
    weights, beta, (sigma, b) = setup
    x = torch.randn(400_000, D, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    phi = relu_features(x, weights)
    torch.testing.assert_close(phi.T @ phi / len(x), sigma, atol=0.01, rtol=0.01)
    torch.testing.assert_close(phi.T @ (x @ beta) / len(x), b, atol=0.005, rtol=0.01)


def test_exact_risk_equals_the_brute_force_test_error(setup):
    weights, beta, (sigma, b) = setup
    readout = torch.randn(N, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(400_000, D, generator=g, dtype=torch.float64)
    y = x @ beta + SIGMA * torch.randn(len(x), generator=g, dtype=torch.float64)
    errors = (relu_features(x, weights) @ readout - y).pow(2)
    exact = exact_test_risk(readout, sigma, b, float(beta @ beta), SIGMA ** 2)
    half_width = 4 * float(errors.std()) / math.sqrt(len(x))
    assert abs(float(errors.mean()) - exact) < half_width


def test_ridge_solution_solves_the_normal_equations():
    g = torch.Generator().manual_seed(4)
    phi, y = torch.randn(9, 5, generator=g, dtype=torch.float64), torch.randn(9, generator=g,
                                                                              dtype=torch.float64)
    a = fit_ridge(phi, y, 0.3)
    torch.testing.assert_close((phi.T @ phi + 9 * 0.3 * torch.eye(5)) @ a, phi.T @ y)
    wide = torch.randn(4, 7, generator=g, dtype=torch.float64)
    a = fit_ridge(wide, y[:4], 0.0)                      # min-norm interpolant
    torch.testing.assert_close(wide @ a, y[:4])
    torch.testing.assert_close(a, wide.T @ torch.linalg.solve(wide @ wide.T, y[:4]))


def _monte_carlo_risk(weights, beta, moments, n, ridge, repeats=300, seed=5):
    g = torch.Generator().manual_seed(seed)
    risks = []
    for _ in range(repeats):
        x = torch.randn(n, D, generator=g, dtype=torch.float64)
        y = x @ beta + SIGMA * torch.randn(n, generator=g, dtype=torch.float64)
        a = fit_ridge(relu_features(x, weights), y, ridge)
        risks.append(exact_test_risk(a, *moments, float(beta @ beta), SIGMA ** 2))
    return torch.tensor(risks, dtype=torch.float64)


@pytest.mark.parametrize("n", [8, 24, 48])
def test_prediction_tracks_the_average_risk_with_ridge(setup, n):
    weights, beta, moments = setup
    risks = _monte_carlo_risk(weights, beta, moments, n, ridge=0.01)
    predicted = predicted_test_risk(*moments, float(beta @ beta), SIGMA ** 2, n, 0.01).risk
    assert abs(float(risks.mean()) - predicted) / predicted < 0.08


def test_min_norm_prediction_peaks_at_the_interpolation_threshold(setup):
    _, beta, moments = setup
    power = float(beta @ beta)
    risks = {n: predicted_test_risk(*moments, power, SIGMA ** 2, n, 0.0).risk
             for n in (4, 8, 11, 12, 13, 24, 96)}
    assert math.isinf(risks[12])                         # N = n
    assert risks[11] > risks[8] and risks[13] > risks[24] > risks[96]
    # underparameterized, λ = 0: κ = 0, no bias; variance σ_eff² N/(n − N)
    under = predicted_test_risk(*moments, power, SIGMA ** 2, 96, 0.0)
    assert under.bias == 0 and under.kappa == 0
    assert under.variance == pytest.approx(under.irreducible * N / (96 - N))


def test_prediction_with_strong_ridge_tends_to_the_null_readout(setup):
    _, beta, moments = setup
    power = float(beta @ beta)
    far = predicted_test_risk(*moments, power, SIGMA ** 2, 20, 1e8)
    assert far.risk == pytest.approx(power + SIGMA ** 2, rel=1e-4)   # a ≈ 0
