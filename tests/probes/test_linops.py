"""Hessian and GGN operators against dense float64 oracles (riskscope.testing)."""

import pytest
import torch
from torch import nn

from riskscope.probes.linops import GGNOperator, HessianOperator
from riskscope.probes.linops.data import resolve_loss
from riskscope.tasks import Dataset
from riskscope.testing.dense_curvature import dense_ggn, dense_hessian

from .conftest import classification_data, regression_data, tiny_mlp

pytestmark = pytest.mark.usefixtures("single_thread")

TOL = 1e-10


@pytest.fixture(params=["squared_error", "cross_entropy"])
def problem(request):
    model = tiny_mlp()
    data = regression_data() if request.param == "squared_error" else classification_data()
    loss_fn, _ = resolve_loss(request.param, data[1])
    return model, data, loss_fn


def test_hessian_vector_products_match_dense_hessian(problem):
    model, (x, y), loss_fn = problem
    dense = dense_hessian(model, x, y, loss_fn)
    op = HessianOperator(model, (x, y), loss_fn, chunk_size=7)
    gen = torch.Generator().manual_seed(1)
    v = torch.randn(op.shape[0], 3, generator=gen, dtype=torch.float64)
    assert op.shape == dense.shape
    assert torch.allclose(op @ v, dense @ v, atol=TOL, rtol=0)
    assert torch.allclose(op @ v[:, 0], dense @ v[:, 0], atol=TOL, rtol=0)


def test_ggn_vector_products_match_dense_ggn(problem):
    model, (x, y), loss_fn = problem
    dense = dense_ggn(model, x, y, loss_fn)
    op = GGNOperator(model, (x, y), loss_fn, chunk_size=5)
    assert torch.allclose(op.to_dense(), dense, atol=TOL, rtol=0)
    assert torch.linalg.eigvalsh(dense).min() > -1e-12  # convex losses: G is PSD


def test_ggn_equals_hessian_for_a_model_linear_in_its_parameters():
    model = nn.Linear(4, 3).double()
    x, y = regression_data()
    h = HessianOperator(model, (x, y), "squared_error").to_dense()
    g = GGNOperator(model, (x, y), "squared_error").to_dense()
    assert torch.allclose(h, g, atol=TOL, rtol=0)


def test_chunks_sum_exactly_whatever_the_split():
    model = tiny_mlp()
    x, y = regression_data(n=23)
    v = torch.randn(sum(p.numel() for p in model.parameters()), dtype=torch.float64)
    whole = HessianOperator(model, (x, y), "squared_error").matvec(v)
    for chunk in (1, 4, 10, 23):
        parts = HessianOperator(model, (x, y), "squared_error", chunk_size=chunk).matvec(v)
        assert torch.allclose(parts, whole, atol=1e-12, rtol=0)


def test_dataset_and_dataloader_give_the_same_operator():
    model = tiny_mlp()
    x, y = regression_data()
    v = torch.randn(sum(p.numel() for p in model.parameters()), dtype=torch.float64)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=5)
    ref = HessianOperator(model, (x, y), "squared_error").matvec(v)
    for data in (Dataset(x, y), loader):
        assert torch.allclose(HessianOperator(model, data, "squared_error").matvec(v), ref,
                              atol=1e-12, rtol=0)


def test_callable_loss_and_first_order_quantities():
    model = tiny_mlp()
    x, y = regression_data()
    op = HessianOperator(model, (x, y), nn.MSELoss(), chunk_size=10)
    with torch.no_grad():
        full = nn.MSELoss()(model(x), y)
    assert op.loss() == pytest.approx(float(full), rel=1e-12)
    grads = torch.autograd.grad(nn.MSELoss()(model(x), y), list(model.parameters()))
    assert torch.allclose(op.gradient(), torch.cat([g.reshape(-1) for g in grads]), atol=1e-12)
    v = torch.randn(op.shape[0], 2, dtype=torch.float64)
    assert torch.allclose(op @ v, dense_hessian(model, x, y, nn.MSELoss()) @ v, atol=TOL)


def test_single_output_targets_of_shape_n_are_not_broadcast():
    model = tiny_mlp(out=1)
    x, y = regression_data(out=1)
    v = torch.randn(sum(p.numel() for p in model.parameters()), 2, dtype=torch.float64)
    flat = HessianOperator(model, (x, y[:, 0]), "squared_error") @ v
    assert torch.allclose(flat, HessianOperator(model, (x, y), "squared_error") @ v)


def test_graphs_are_reused_or_rebuilt_with_the_same_result():
    model = tiny_mlp()
    x, y = regression_data()
    kept = HessianOperator(model, (x, y), "squared_error", chunk_size=8)
    rebuilt = HessianOperator(model, (x, y), "squared_error", chunk_size=8, reuse_graph=False)
    v = torch.randn(kept.shape[0], dtype=torch.float64)
    assert torch.allclose(kept.matvec(v), rebuilt.matvec(v), atol=1e-13)
    assert len(kept._graphs) == 3 and not rebuilt._graphs
    assert kept.num_products == 1
