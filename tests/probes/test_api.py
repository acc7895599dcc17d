"""The one-call API: hessian_top_eigenvalues, hessian_trace, hessian_spectral_density."""

import pytest
import torch

from riskscope.models import MLPEnsemble, MLPSpec
from riskscope.probes.curvature_api import (
    hessian_spectral_density,
    hessian_top_eigenvalues,
    hessian_trace,
)
from riskscope.probes.linops.data import resolve_loss
from riskscope.tasks import Dataset
from riskscope.testing.dense_curvature import dense_hessian

from .conftest import classification_data, tiny_mlp

pytestmark = pytest.mark.usefixtures("single_thread")


def test_api_on_an_ensemble_member_with_a_dataset_and_a_dataloader():
    spec = MLPSpec(input_dim=4, output_dim=3, width=5, depth=1, activation="tanh")
    member = MLPEnsemble.from_seeds(spec, [3, 4], dtype=torch.float64).member(1)
    x, y = classification_data()
    exact = torch.linalg.eigvalsh(dense_hessian(member, x, y, resolve_loss("auto", y)[0]))
    top = hessian_top_eigenvalues(member, Dataset(x, y), k=2, tol=1e-9)
    assert torch.allclose(top.eigenvalues, exact.flip(0)[:2], rtol=1e-8)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=7)
    trace = hessian_trace(member, loader, method="hutchinson", num_products=60)
    assert trace.contains(float(exact.sum()))
    assert hessian_trace(member, (x, y), method="exact").value == pytest.approx(
        float(exact.sum()), rel=1e-10)
    density = hessian_spectral_density(member, (x, y), num_probes=2, num_steps=10)
    assert density.integral() == pytest.approx(1.0, abs=1e-6)


def test_api_on_a_plain_module_with_float32():
    model = tiny_mlp().float()
    x, y = classification_data()
    top = hessian_top_eigenvalues(model, (x.float(), y), loss="cross_entropy")
    exact = torch.linalg.eigvalsh(dense_hessian(model.double(), x, y, resolve_loss("auto", y)[0]))
    assert top.values()[0] == pytest.approx(float(exact[-1]), rel=1e-4)


def test_trace_is_exact_when_the_parameters_fit_in_the_product_budget():
    model = tiny_mlp(out=3)                          # 4·6+6 + 6·6+6 + 6·3+3 = 93 parameters
    x, y = classification_data()
    params = sum(p.numel() for p in model.parameters())
    exact = float(torch.trace(dense_hessian(model, x, y, resolve_loss("auto", y)[0])))
    auto = hessian_trace(model, (x, y))              # 93 ≤ the default budget of 102
    assert auto.method == f"exact ({params} HVPs with the unit vectors)" and auto.exact
    assert auto.value == pytest.approx(exact, rel=1e-10, abs=1e-10)
    small_budget = hessian_trace(model, (x, y), num_products=params - 3)
    assert small_budget.method.startswith("hutch++") and not small_budget.exact
    assert small_budget.ci_low < small_budget.ci_high
    forced = hessian_trace(model, (x, y), method="hutchinson", num_products=200)
    assert forced.method.startswith("hutchinson") and forced.n == 200
