"""The empirical NTK against the explicit Jacobian Gram matrix; NTK products; GGN link."""

import pytest
import torch
from torch import nn

from riskscope.probes.estimators import lanczos_top_eigenvalues
from riskscope.probes.kernels import NTKOperator, empirical_ntk, kernel_spectrum
from riskscope.probes.linops import GGNOperator
from riskscope.testing.dense_curvature import dense_jacobian

from .conftest import regression_data, tiny_mlp

pytestmark = pytest.mark.usefixtures("single_thread")


def test_full_kernel_equals_jacobian_gram_in_any_chunking():
    model = tiny_mlp()
    x, _ = regression_data(n=9)
    jac = dense_jacobian(model, x)
    gram = jac @ jac.T
    for chunk, budget in ((None, 2**27), (2, 2**27), (4, 1)):  # budget 1: recompute chunks
        ntk = empirical_ntk(model, x, chunk_size=chunk, max_elements=budget)
        assert ntk.shape == (27, 27)
        assert torch.allclose(ntk, gram, atol=1e-12)


def test_cross_kernel_and_trace_over_outputs():
    model = tiny_mlp()
    x1, _ = regression_data(n=5)
    x2, _ = regression_data(seed=1, n=3)
    j1, j2 = dense_jacobian(model, x1), dense_jacobian(model, x2)
    full = empirical_ntk(model, x1, x2, chunk_size=2)
    assert torch.allclose(full, j1 @ j2.T, atol=1e-12)
    trace = empirical_ntk(model, x1, x2, mode="trace", chunk_size=2)
    blocks = (j1 @ j2.T).reshape(5, 3, 3, 3)
    assert torch.allclose(trace, blocks.diagonal(dim1=1, dim2=3).sum(-1), atol=1e-12)


def test_ntk_operator_products_and_top_eigenvalue():
    model = tiny_mlp()
    x, _ = regression_data(n=7)
    gram = empirical_ntk(model, x)
    op = NTKOperator(model, x, chunk_size=3)
    v = torch.randn(21, 2, dtype=torch.float64)
    assert torch.allclose(op @ v, gram @ v, atol=1e-11)
    top = lanczos_top_eigenvalues(op, 1, tol=1e-9)
    assert top.values()[0] == pytest.approx(kernel_spectrum(gram).lambda_max, rel=1e-9)


def test_ggn_of_the_squared_error_shares_the_ntk_spectrum():
    """G = (2/N) JᵀJ and (2/N) JJᵀ = (2/N)Θ have the same non-zero eigenvalues."""
    model = tiny_mlp()
    x, y = regression_data(n=5)
    ntk_eigs = kernel_spectrum(empirical_ntk(model, x)).eigenvalues.flip(0) * 2 / 5
    ggn_top = lanczos_top_eigenvalues(GGNOperator(model, (x, y), "squared_error"), 15)
    assert torch.allclose(ggn_top.eigenvalues, ntk_eigs, rtol=1e-8, atol=1e-10)


def test_frozen_parameters_are_left_out():
    model = tiny_mlp()
    model[0].weight.requires_grad_(False)
    x, _ = regression_data(n=4)
    jac = dense_jacobian(model, x)  # over trainable parameters only
    assert jac.shape[1] == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert torch.allclose(empirical_ntk(model, x), jac @ jac.T, atol=1e-12)


def test_scalar_output_model_and_kernel_spectrum():
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1)).double()
    x = torch.randn(6, 3, dtype=torch.float64)
    spectrum = kernel_spectrum(empirical_ntk(model, x))
    assert spectrum.lambda_min > 0 and spectrum.condition_number >= 1
    assert spectrum.eigenvalues.shape == (6,)


def test_many_inputs_in_default_chunks():
    model = tiny_mlp()
    x, _ = regression_data(n=520)
    jac = dense_jacobian(model, x)
    assert torch.allclose(empirical_ntk(model, x), jac @ jac.T, atol=1e-11)
    assert torch.allclose(empirical_ntk(model, x, chunk_size=100), jac @ jac.T, atol=1e-11)
