"""Path norm by brute-force path enumeration; margins by hand."""

import itertools

import pytest
import torch
from torch import nn

from riskscope.models import MLP, MLPSpec
from riskscope.probes.complexity import margin_quantile, output_margins, path_norm
from riskscope.tasks.base import Dataset


def random_relu_net(bias: bool, seed: int = 0) -> nn.Sequential:
    g = torch.Generator().manual_seed(seed)
    net = nn.Sequential(nn.Linear(3, 4, bias=bias), nn.ReLU(), nn.Linear(4, 2, bias=bias),
                        nn.ReLU(), nn.Linear(2, 2, bias=bias))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    return net


def test_path_norm_is_the_sum_over_paths_of_squared_weights():
    net = random_relu_net(bias=False)
    w = [net[k].weight.detach().double() for k in (0, 2, 4)]
    total = sum(float(w[0][h1, i] ** 2 * w[1][h2, h1] ** 2 * w[2][o, h2] ** 2)
                for i, h1, h2, o in itertools.product(range(3), range(4), range(2), range(2)))
    assert path_norm(net, (3,)) == pytest.approx(total, rel=1e-12)


def test_biases_are_paths_from_a_constant_unit():
    net = random_relu_net(bias=True, seed=1)
    w = [net[k].weight.detach().double() ** 2 for k in (0, 2, 4)]
    b = [net[k].bias.detach().double() ** 2 for k in (0, 2, 4)]
    # paths from inputs, from the first-layer biases, from the second, and the output bias
    expected = float((w[2] @ (w[1] @ (w[0] @ torch.ones(3, dtype=torch.float64) + b[0])
                              + b[1]) + b[2]).sum())
    assert path_norm(net, (3,)) == pytest.approx(expected, rel=1e-12)
    without = float((w[2] @ w[1] @ w[0] @ torch.ones(3, dtype=torch.float64)).sum())
    assert path_norm(net, (3,), include_biases=False) == pytest.approx(without, rel=1e-12)


def test_scaled_linear_multipliers_count_squared():
    spec = MLPSpec(input_dim=3, output_dim=2, width=5, depth=1, parameterization="ntk",
                   bias=False)
    mlp = MLP(spec, torch.Generator().manual_seed(0))
    w = [(layer.multiplier * layer.weight.detach().double()) ** 2 for layer in mlp.layers]
    expected = float((w[1] @ w[0] @ torch.ones(3, dtype=torch.float64)).sum())
    assert path_norm(mlp, (3,)) == pytest.approx(expected, rel=1e-12)


def test_margins_and_their_quantile():
    net = nn.Linear(2, 3)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
        net.bias.zero_()
    x = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 1.0], [-1.0, -2.0]])
    y = torch.tensor([0, 0, 2, 2])
    margins = output_margins(net, Dataset(x, y))
    assert margins.tolist() == pytest.approx([1.0, -3.0, -1.0, 1.0])
    assert margin_quantile(net, Dataset(x, y), 0.5) == pytest.approx(0.0)
