"""A model family of our own: a gated MLP, f(x) = W₂ (relu(W₁ x) ⊙ σ(G x)).

riskscope's `custom` family calls the factory with the task's sizes and the spec's params;
the default PyTorch initialization is seeded per member by riskscope.
"""

from __future__ import annotations

import torch
from torch import nn


class GatedMLP(nn.Module):
    def __init__(self, input_dim: int, output_dim: int, width: int):
        super().__init__()
        self.value = nn.Linear(input_dim, width)
        self.gate = nn.Linear(input_dim, width)
        self.readout = nn.Linear(width, output_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(torch.relu(self.value(x)) * torch.sigmoid(self.gate(x)))


def gated_mlp(input_dim: int, output_dim: int, width: int = 32) -> nn.Module:
    """The factory named in a spec as "riskscope_example.models:gated_mlp"."""
    return GatedMLP(input_dim, output_dim, width)
