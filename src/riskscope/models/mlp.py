"""A plain `nn.Module` MLP with an explicit parameterization (see mlp_spec.py).

This is the single-model form that analyses take; `MLPEnsemble.member(i)` returns one and
`MLPEnsemble.from_members` stacks them back.
"""

from __future__ import annotations

import torch
from torch import nn

from riskscope.models.activations import activation_fn
from riskscope.models.mlp_spec import MLPSpec


class ScaledLinear(nn.Module):
    """y = m · x W_rawᵀ + b, with a fixed forward multiplier m (1 in standard parameterization)."""

    def __init__(self, fan_in: int, fan_out: int, multiplier: float, bias: bool):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(fan_out, fan_in))
        self.bias = nn.Parameter(torch.zeros(fan_out)) if bias else None
        self.multiplier = float(multiplier)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.nn.functional.linear(x, self.weight) * self.multiplier
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        out, inp = self.weight.shape
        return f"{inp} → {out}, multiplier={self.multiplier:.4g}, bias={self.bias is not None}"


def sample_mlp_parameters(spec: MLPSpec, generator: torch.Generator,
                          dtype: torch.dtype = torch.float32) -> list[torch.Tensor]:
    """Initial raw parameters [W_0, b_0, W_1, b_1, ...] (biases only if spec.bias), on the CPU.

    The one place that draws an initialization, so a standalone MLP and an ensemble member
    built from the same generator are bit-for-bit identical.
    """
    tensors = []
    for layer, (fan_in, fan_out) in enumerate(spec.layer_sizes):
        std, _ = spec.scaling(layer)
        w = torch.randn(fan_out, fan_in, generator=generator, dtype=dtype) * std
        tensors.append(w)
        if spec.bias:
            b = torch.randn(fan_out, generator=generator, dtype=dtype)
            tensors.append(b * (spec.init_scale * spec.bias_init_std))
    return tensors


class MLP(nn.Module):
    """input_dim → [width]*depth → output_dim with the activation between layers."""

    def __init__(self, spec: MLPSpec, generator: torch.Generator | None = None):
        super().__init__()
        self.spec = spec
        self.act = activation_fn(spec.activation)
        self.layers = nn.ModuleList(
            ScaledLinear(i, o, spec.scaling(k)[1], spec.bias)
            for k, (i, o) in enumerate(spec.layer_sizes)
        )
        if generator is not None:
            self.load_raw_parameters(sample_mlp_parameters(spec, generator))

    def raw_parameters(self) -> list[torch.Tensor]:
        out = []
        for layer in self.layers:
            out.append(layer.weight)
            if layer.bias is not None:
                out.append(layer.bias)
        return out

    @torch.no_grad()
    def load_raw_parameters(self, tensors: list[torch.Tensor]) -> None:
        for p, t in zip(self.raw_parameters(), tensors, strict=True):
            p.copy_(t)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last hidden layer's activations (the learned features)."""
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers[-1](self.features(x))
