"""The `cnn` family: a small 1-D or 2-D convolutional network.

    input [C, *S] → (conv k×…, stride s → norm → activation → pool?) per entry of `channels`
                  → flatten (or global average) → linear readout

`width_multiplier` w scales every layer's channel count (max(1, round(w·c))): the knob of
model-wise double descent for CNNs (Nakkiran et al. 2019 vary the width k of
[k, 2k, 4k, 8k]). The default shape is the MNIST-1D CNN of Greydanus 2020 (three conv layers
of 25 channels, kernel 5, stride 2, padding 1, ReLU, flattened into a linear readout).
Initialization: He-scaled normal with `init_scale` c (see `member_layers.init_member_layers`).

`ConvNet(spec)` is one plain network; `ConvNet(spec, members=M)` is M of them as one grouped
program (see `member_layers`), wrapped by `StackedEnsemble`.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field, model_validator
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.models.activations import activation_fn, activation_gain
from riskscope.models.input_shape import conv_output_size, resolve_input_shape
from riskscope.models.member_layers import (
    MemberConv,
    MemberLinear,
    MemberNorm,
    Norm,
    init_member_layers,
    split_members_channels,
    stack_members_input,
)
from riskscope.models.mlp_spec import Activation


class CNNParams(Params):
    """The `[model]` section of family "cnn"."""

    family: Literal["cnn"] = "cnn"
    dims: Literal[1, 2] = 1
    channels: list[int] = Field(default_factory=lambda: [25, 25, 25], min_length=1)
    width_multiplier: float = Field(default=1.0, gt=0)
    kernel_size: int = Field(default=5, ge=1)
    stride: int = Field(default=2, ge=1)
    padding: int | None = Field(default=1, ge=0, description="None = kernel_size // 2")
    pool: Literal["none", "max", "avg"] = "none"
    normalization: Norm = "none"
    groups: int = Field(default=1, ge=1, description="groups of normalization 'group'")
    head: Literal["flatten", "global-average"] = "flatten"
    activation: Activation = "relu"
    bias: bool = True
    init_scale: float = Field(default=1.0, gt=0)
    input_shape: list[int] | None = None

    @model_validator(mode="after")
    def _channels(self):
        if any(c < 1 for c in self.channels):
            raise SpecError("model.channels", self.channels, "a list of positive integers")
        return self


class CNNSpec(CNNParams):
    """A CNN's parameters plus the task's input and output sizes."""

    input_dim: int = Field(gt=0)
    output_dim: int = Field(gt=0)

    @property
    def layer_channels(self) -> list[int]:
        return [max(1, round(self.width_multiplier * c)) for c in self.channels]

    @property
    def shape(self) -> tuple[int, ...]:
        return resolve_input_shape(self.dims, self.input_dim, self.input_shape)

    @property
    def pad(self) -> int:
        return self.kernel_size // 2 if self.padding is None else self.padding

    def feature_shape(self) -> tuple[int, ...]:
        """(C, *S) after the last conv block; SpecError when a layer would shrink to nothing."""
        c, *spatial = self.shape
        for k, cout in enumerate(self.layer_channels):
            spatial = [conv_output_size(s, self.kernel_size, self.stride, self.pad)
                       for s in spatial]
            if self.pool != "none":
                spatial = [s // 2 for s in spatial]
            if min(spatial) < 1:
                raise SpecError("model.channels", self.channels,
                                f"at most {k} conv layers for input {list(self.shape)} with "
                                f"kernel {self.kernel_size}, stride {self.stride}, padding "
                                f"{self.pad} and pool {self.pool!r}")
            c = cout
        return (c, *spatial)

    def network(self, members: int | None = None, generator: torch.Generator | None = None
                ) -> ConvNet:
        return ConvNet(self, members, generator)

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.network().parameters())


class ConvNet(nn.Module):
    """One CNN (members=None) or M stacked CNNs; see the module docstring."""

    def __init__(self, spec: CNNSpec, members: int | None = None,
                 generator: torch.Generator | None = None):
        super().__init__()
        self.spec, self.members = spec, members
        self.act = activation_fn(spec.activation)
        cin = spec.shape[0]
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for cout in spec.layer_channels:
            self.convs.append(MemberConv(spec.dims, cin, cout, spec.kernel_size, spec.stride,
                                         spec.pad, spec.bias, members))
            self.norms.append(MemberNorm(spec.normalization, cout, spec.groups, members))
            cin = cout
        c, *spatial = spec.feature_shape()
        features = c if spec.head == "global-average" else c * int(torch.tensor(spatial).prod())
        self.readout = MemberLinear(features, spec.output_dim, spec.bias, members)
        if generator is not None:
            init_member_layers(self, generator, activation_gain(spec.activation),
                               spec.init_scale)

    def _pool(self, h: torch.Tensor) -> torch.Tensor:
        if self.spec.pool == "none":
            return h
        if self.spec.dims == 1:
            return (F.max_pool1d if self.spec.pool == "max" else F.avg_pool1d)(h, 2)
        return (F.max_pool2d if self.spec.pool == "max" else F.avg_pool2d)(h, 2)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The readout's input: [B, F] (plain) or [B, M, F] (stacked)."""
        h = stack_members_input(x, self.members, self.spec.shape)
        for conv, norm in zip(self.convs, self.norms):
            h = self._pool(self.act(norm(conv(h))))
        if self.spec.head == "global-average":
            h = h.flatten(2).mean(-1)
        return split_members_channels(h, self.members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x))
