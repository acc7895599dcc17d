"""The empirical NTK against the explicit Jacobian Gram matrix; NTK products; GGN link."""

import pytest
import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.probes.estimators import lanczos_top_eigenvalues
from riskscope.probes.kernels import NTKOperator, empirical_ntk, kernel_spectrum
from riskscope.probes.linops import GGNOperator
from riskscope.testing.dense_curvature import dense_jacobian, dense_ntk

from .conftest import regression_data, tiny_mlp

pytestmark = pytest.mark.usefixtures("single_thread")

#: "structured" = Gram matrices of dense layers' inputs and signals; "jacobian" = contraction
METHODS = ["structured", "jacobian"]


@pytest.mark.parametrize("method", METHODS)
def test_full_kernel_equals_jacobian_gram_in_any_chunking(method):
    model = tiny_mlp()
    x, _ = regression_data(n=9)
    gram = dense_ntk(model, x)
    for chunk, budget in ((None, 2**27), (2, 2**27), (4, 1)):  # budget 1: recompute chunks
        ntk = empirical_ntk(model, x, method=method, chunk_size=chunk, max_elements=budget)
        assert ntk.shape == (27, 27)
        assert torch.allclose(ntk, gram, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_cross_kernel_and_trace_over_outputs(method):
    model = tiny_mlp()
    x1, _ = regression_data(n=5)
    x2, _ = regression_data(seed=1, n=3)
    cross = dense_ntk(model, x1, x2)
    full = empirical_ntk(model, x1, x2, method=method, chunk_size=2)
    assert torch.allclose(full, cross, atol=1e-12)
    trace = empirical_ntk(model, x1, x2, mode="trace", method=method, chunk_size=2)
    blocks = cross.reshape(5, 3, 3, 3)
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


@pytest.mark.parametrize("method", METHODS)
def test_frozen_parameters_are_left_out(method):
    model = tiny_mlp()
    model[0].weight.requires_grad_(False)
    model[4].bias.requires_grad_(False)
    x, _ = regression_data(n=4)
    jac = dense_jacobian(model, x)  # over trainable parameters only
    assert jac.shape[1] == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert torch.allclose(empirical_ntk(model, x, method=method), dense_ntk(model, x),
                          atol=1e-12)


def test_scalar_output_model_and_kernel_spectrum():
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1)).double()
    x = torch.randn(6, 3, dtype=torch.float64)
    spectrum = kernel_spectrum(empirical_ntk(model, x))
    assert spectrum.lambda_min > 0 and spectrum.condition_number >= 1
    assert spectrum.eigenvalues.shape == (6,)


@pytest.mark.parametrize("method", METHODS)
def test_many_inputs_in_default_chunks(method):
    model = tiny_mlp()
    x, _ = regression_data(n=520)
    gram = dense_ntk(model, x)
    assert torch.allclose(empirical_ntk(model, x, method=method), gram, atol=1e-11)
    assert torch.allclose(empirical_ntk(model, x, method=method, chunk_size=100), gram,
                          atol=1e-11)


def test_structured_form_covers_riskscope_mlps_with_forward_multipliers():
    """NTK and mean-field parameterizations scale the layer's output: Θ_l carries m²."""
    from riskscope.models import MLPEnsemble, MLPSpec
    for param in ("ntk", "mean-field", "standard"):
        spec = MLPSpec(input_dim=4, output_dim=2, width=7, depth=2, activation="relu",
                       parameterization=param, bias=param != "mean-field")
        net = MLPEnsemble.from_seeds(spec, [3]).member(0).double()
        x, _ = regression_data(n=6)
        assert torch.allclose(empirical_ntk(net, x, method="structured"), dense_ntk(net, x),
                              atol=1e-11), param


class _Shared(nn.Module):
    """One dense layer applied twice: its Jacobian is a sum of two terms (no Gram form)."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(4, 4)
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        return self.out(torch.tanh(self.inner(torch.tanh(self.inner(x)))))


@pytest.mark.parametrize("model", [
    _Shared().double(),
    nn.Sequential(nn.Linear(4, 5), nn.LayerNorm(5), nn.Tanh(), nn.Linear(5, 2)).double(),
], ids=["reused-layer", "layernorm-affine"])
def test_models_outside_the_structured_form_fall_back_to_jacobians(model):
    x, _ = regression_data(n=5)
    assert torch.allclose(empirical_ntk(model, x), dense_ntk(model, x), atol=1e-12)
    with pytest.raises(SpecError, match="method"):
        empirical_ntk(model, x, method="structured")


def test_unknown_method_is_refused():
    with pytest.raises(SpecError, match="method"):
        empirical_ntk(tiny_mlp(), regression_data(n=2)[0], method="fast")
