"""forward_chain: weight layers in forward order, and the refusal of graphs that are not chains
(skip connections, reused inputs, shared layers, buffer maps, unknown maps)."""

import pytest
import torch
from torch import nn

from riskscope.core.errors import NotAChainError, SpecError
from riskscope.models.families import build_member, model_spec
from riskscope.probes.complexity.forward_chain import chain_limitation, forward_chain


class HeadFirst(nn.Module):
    """A 3-class chain whose head is registered before the hidden layers."""

    def __init__(self, act=torch.relu):
        super().__init__()
        self.head = nn.Linear(16, 3)
        self.hidden = nn.Linear(16, 16)
        self.first = nn.Linear(5, 16)
        self.act = act

    def forward(self, x):
        return self.head(self.act(self.hidden(self.act(self.first(x)))))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.first, self.block, self.head = nn.Linear(5, 8), nn.Linear(8, 8), nn.Linear(8, 3)

    def forward(self, x):
        h = torch.relu(self.first(x))
        return self.head(h + torch.relu(self.block(h)))


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(5, 5)

    def forward(self, x):
        return self.layer(torch.relu(self.layer(x)))


class InputTwice(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(5, 4), nn.Linear(5, 4)

    def forward(self, x):
        return self.b(x) - self.a(x)


class ReturnsHidden(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(5, 4), nn.Linear(4, 2)

    def forward(self, x):
        h = self.a(x)
        self.b(h)
        return h


X = torch.randn(7, 5, generator=torch.Generator().manual_seed(0))


def test_layers_come_in_forward_order_with_the_output_width():
    chain = forward_chain(HeadFirst(), X)
    assert [layer.name for layer in chain.layers] == ["first", "hidden", "head"]
    assert chain.output_width == 3
    assert chain.input_shapes == {"first": (5,), "hidden": (16,), "head": (16,)}
    assert chain.activations == ("relu", "relu") and chain.homogeneous and chain.lipschitz
    assert chain.units == 16


@pytest.mark.parametrize("act,lipschitz,homogeneous", [
    (torch.tanh, True, False), (nn.functional.gelu, False, False),
    (nn.LeakyReLU(0.1), True, True), (nn.Sigmoid(), False, False)])
def test_activations_are_classified(act, lipschitz, homogeneous):
    chain = forward_chain(HeadFirst(act), X)
    assert (chain.lipschitz, chain.homogeneous) == (lipschitz, homogeneous)


@pytest.mark.parametrize("model,where,what", [
    (Residual(), "model", "combining 2 values"),
    (Shared(), "model.layer", "applied twice"),
    (InputTwice(), "model.a", "already used"),
    (ReturnsHidden(), "model", "not the last value"),
    (nn.Sequential(nn.Linear(5, 4), nn.LayerNorm(4, elementwise_affine=False),
                   nn.Linear(4, 2)), "model.1", "`layer_norm`"),
])
def test_graphs_that_are_not_chains_are_refused_naming_the_module(model, where, what):
    with pytest.raises(NotAChainError, match=what) as info:
        forward_chain(model, X)
    assert info.value.field == where
    assert isinstance(info.value, SpecError)  # the CLI's one-paragraph message, exit 2
    assert chain_limitation(model, X) == str(info.value)


def test_families():
    from riskscope.tasks.registry import make_task

    task = make_task("digits")
    x = task.sample(3, torch.Generator().manual_seed(0)).x
    cnn = forward_chain(build_member(model_spec({"family": "cnn"}, task), 0), x)
    assert [layer.kind for layer in cnn.layers] == ["conv"] * 3 + ["linear"]
    assert cnn.output_width == 10 and cnn.homogeneous
    resnet = build_member(model_spec({"family": "resnet", "normalization": "none"}, task), 0)
    with pytest.raises(NotAChainError, match="combining 2 values") as info:
        forward_chain(resnet, x)
    assert info.value.field == "model.blocks.0"
    features = build_member(model_spec({"family": "random-features"}, task), 0)
    with pytest.raises(NotAChainError, match="matmul"):  # the fixed feature map is a buffer
        forward_chain(features, x)


def test_the_model_is_left_as_it_was():
    model = nn.Sequential(nn.Linear(5, 4), nn.Dropout(0.5), nn.ReLU(), nn.Linear(4, 2)).train()
    chain = forward_chain(model, X)  # measured in eval mode: dropout is the identity there
    assert [layer.name for layer in chain.layers] == ["0", "3"]
    assert model.training
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
