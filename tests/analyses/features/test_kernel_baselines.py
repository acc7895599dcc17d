"""Kernel baselines: NTK regression interpolates; random features converge to the NNGP."""

import itertools
import math

import torch

from riskscope.analyses.features import (
    ntk_regression,
    random_features,
    random_features_regression,
    zero_one_error,
)
from riskscope.probes.kernels import analytic_nngp, analytic_ntk


def test_ntk_regression_interpolates_and_equals_the_closed_form():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(12, 5, generator=g)
    y = torch.randn(12, generator=g)
    xt = torch.randn(4, 5, generator=g)
    fit = ntk_regression(x, y, x, ridge=0.0)
    torch.testing.assert_close(fit, y.double(), atol=1e-8, rtol=1e-8)
    k = analytic_ntk(x, depth=1, sigma_w=math.sqrt(2))
    kt = analytic_ntk(xt, x, depth=1, sigma_w=math.sqrt(2))
    torch.testing.assert_close(ntk_regression(x, y, xt, ridge=0.0),
                               kt @ torch.linalg.solve(k, y.double()))


def test_random_feature_kernel_converges_to_the_nngp():
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(1)).double()
    # one ReLU layer, u = w·x/√d with w ~ N(0, 2I): E[relu(u) relu(u')] = K²/σ_w² = K²/2
    exact = analytic_nngp(x, depth=1, sigma_w=math.sqrt(2))
    errors = []
    for p in (200, 20000):
        phi = random_features(x, p, rng=2)
        errors.append(float((phi @ phi.T - exact / 2).abs().max()))
    assert errors[1] < errors[0] / 3 and errors[1] < 0.05


def test_random_features_regression_fits_its_training_set_when_overparameterized():
    g = torch.Generator().manual_seed(3)
    x = torch.randn(20, 3, generator=g)
    y = torch.sign(torch.randn(20, generator=g))
    pred = random_features_regression(x, y, x, num_features=400, rng=4, ridge=1e-10)
    assert zero_one_error(pred, y) == 0.0


def test_bias_free_relu_kernels_are_blind_to_odd_parities_of_degree_three():
    """relu(wᵀx) = (wᵀx + |wᵀx|)/2 is linear plus even, so with σ_b = 0 the NTK and random
    features have exactly no odd Walsh component of degree ≥ 3: on the whole cube χ_S with
    |S| = 3 is in the kernel's null space. With biases it is an eigenvector of eigenvalue > 0
    (the kernel depends on ⟨x, x'⟩ only). Degree 1 and 2 are seen either way."""
    cube = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=6)), dtype=torch.float64)
    for degree in (1, 2, 3):
        chi = cube[:, :degree].prod(1)
        for sigma_b in (0.0, 1.0):
            k = analytic_ntk(cube, None, depth=1, sigma_w=math.sqrt(2.0), sigma_b=sigma_b)
            eigenvalue = float(chi @ k @ chi) / float(chi @ chi)
            torch.testing.assert_close(k @ chi, eigenvalue * chi, atol=1e-9, rtol=0)
            phi = random_features(cube, 512, 0, sigma_b)
            rf_power = float((phi.T @ chi).pow(2).sum()) / float(chi @ chi)
            if degree == 3 and sigma_b == 0:
                assert abs(eigenvalue) < 1e-9 and rf_power < 1e-9
            else:
                assert eigenvalue > 1e-3 and rf_power > 1e-4
