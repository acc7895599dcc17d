"""Probes never change the model they measure; the NTK of a train-mode batch-norm network is a
clear error, and in eval mode it matches the Jacobian definition."""

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.models import build_ensemble, build_member, model_spec
from riskscope.probes.complexity.layers import WeightLayer, layer_io_shapes
from riskscope.probes.complexity.margins import output_margins
from riskscope.probes.curvature_api import hessian_trace
from riskscope.probes.kernels.empirical_ntk import empirical_ntk
from riskscope.probes.population_risk import ensemble_population_risk
from riskscope.tasks.base import Dataset
from riskscope.tasks.registry import make_task


class _Task:
    input_dim, output_dim = 12, 2


def _spec():
    return model_spec({"family": "resnet", "width": 4, "blocks": 1, "normalization": "batch"},
                      _Task())


def _buffers(module):
    return [b.clone() for b in module.buffers()]


def test_curvature_in_train_mode_leaves_batch_norm_statistics():
    net = build_member(_spec(), 0).double().train()
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(16, 12, generator=gen, dtype=torch.float64)
    y = torch.randn(16, 2, generator=gen, dtype=torch.float64)
    before = _buffers(net)
    with pytest.warns(UserWarning, match="training mode"):
        hessian_trace(net, (x, y), loss="squared_error", method="exact")
    assert all(torch.equal(a, b) for a, b in zip(before, _buffers(net)))
    assert net.training


def test_population_risk_probe_leaves_statistics_and_mode():
    task = make_task("teacher-student-regression", {"input_dim": 12, "teacher_width": 4,
                                                    "noise_std": 0.1})
    spec = model_spec({"family": "resnet", "width": 4, "blocks": 1, "normalization": "batch"},
                      task)
    ens = build_ensemble(spec, [1, 2]).train()
    before = _buffers(ens)
    risks = ensemble_population_risk(task, ens, 500, torch.Generator().manual_seed(0))
    assert len(risks) == 2 and ens.training
    assert all(torch.equal(a, b) for a, b in zip(before, _buffers(ens)))


def test_empirical_ntk_refuses_train_mode_batch_norm_and_is_exact_in_eval():
    net = build_member(_spec(), 0).double()
    x = torch.randn(3, 12, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    with pytest.raises(SpecError, match=r"model\.eval\(\) fixes that"):
        empirical_ntk(net.train(), x)
    net.eval()
    theta = empirical_ntk(net, x)
    jac = torch.autograd.functional.jacobian(
        lambda *ps: torch.func.functional_call(
            net, dict(zip([n for n, _ in net.named_parameters()], ps)), (x,)),
        tuple(net.parameters()))
    flat = torch.cat([j.reshape(3 * 2, -1) for j in jac], dim=1)
    torch.testing.assert_close(theta.reshape(6, 6), flat @ flat.T)


def test_margins_and_layer_shapes_leave_a_train_mode_network_as_found():
    net = torch.nn.Sequential(torch.nn.Linear(12, 6), torch.nn.BatchNorm1d(6),
                              torch.nn.ReLU(), torch.nn.Linear(6, 3)).train()
    gen = torch.Generator().manual_seed(3)
    data = Dataset(torch.randn(20, 12, generator=gen), torch.randint(0, 3, (20,), generator=gen))
    before = _buffers(net)
    margins = output_margins(net, data)
    linear = [WeightLayer(n, m, "linear", m.weight.detach()) for n, m in net.named_modules()
              if isinstance(m, torch.nn.Linear)]   # batch norm holds parameters too
    shapes = layer_io_shapes(net, data.x, linear)
    assert margins.shape == (20,) and shapes["3"] == ((6,), (3,))
    assert net.training and all(torch.equal(a, b) for a, b in zip(before, _buffers(net)))
