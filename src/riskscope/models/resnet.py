"""The `resnet` family: a small pre-activation ResNet (He, Zhang, Ren & Sun 2016b).

    input [C, *S] → conv (C → width, kernel k, stride `stem_stride`)
                  → `blocks` × [h + conv(act(norm(conv(act(norm(h))))))]   (width kept)
                  → act(norm(h)) → global average → linear readout

Normalization none / layer / group / batch (see `member_layers`). Every conv starts
He-scaled and `init_scale` c multiplies every weight (Zhang et al. 2019 scale each branch's
last conv down instead, for deep un-normalized nets; small ResNets do not need it).
1-D or 2-D inputs as in `cnn`.

`ResNet(spec)` is one plain network, `ResNet(spec, members=M)` M of them as one grouped
program; BatchNorm then keeps per-member running statistics.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
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


class ResNetParams(Params):
    """The `[model]` section of family "resnet"."""

    family: Literal["resnet"] = "resnet"
    dims: Literal[1, 2] = 1
    width: int = Field(default=16, gt=0)
    blocks: int = Field(default=2, ge=1)
    kernel_size: int = Field(default=3, ge=1)
    stem_stride: int = Field(default=1, ge=1)
    normalization: Norm = "batch"
    groups: int = Field(default=4, ge=1, description="groups of normalization 'group'")
    activation: Activation = "relu"
    init_scale: float = Field(default=1.0, gt=0)
    input_shape: list[int] | None = None


class ResNetSpec(ResNetParams):
    input_dim: int = Field(gt=0)
    output_dim: int = Field(gt=0)

    @property
    def shape(self) -> tuple[int, ...]:
        shape = resolve_input_shape(self.dims, self.input_dim, self.input_shape)
        pad = self.kernel_size // 2
        if min(conv_output_size(s, self.kernel_size, self.stem_stride, pad)
               for s in shape[1:]) < 1:
            raise SpecError("model.stem_stride", self.stem_stride,
                            f"a stride that leaves positions of the input {list(shape)}")
        if self.normalization == "group" and self.width % self.groups:
            raise SpecError("model.groups", self.groups, f"a divisor of width = {self.width}")
        return shape

    def network(self, members: int | None = None, generator: torch.Generator | None = None
                ) -> ResNet:
        return ResNet(self, members, generator)

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.network().parameters())


class PreActBlock(nn.Module):
    def __init__(self, spec: ResNetSpec, members: int | None):
        super().__init__()
        w, k = spec.width, spec.kernel_size
        self.norm1 = MemberNorm(spec.normalization, w, spec.groups, members)
        self.conv1 = MemberConv(spec.dims, w, w, k, 1, k // 2, True, members)
        self.norm2 = MemberNorm(spec.normalization, w, spec.groups, members)
        self.conv2 = MemberConv(spec.dims, w, w, k, 1, k // 2, True, members)
        self.act = activation_fn(spec.activation)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.conv2(self.act(self.norm2(self.conv1(self.act(self.norm1(h))))))


class ResNet(nn.Module):
    def __init__(self, spec: ResNetSpec, members: int | None = None,
                 generator: torch.Generator | None = None):
        super().__init__()
        self.spec, self.members = spec, members
        self.input_shape = spec.shape
        k = spec.kernel_size
        self.stem = MemberConv(spec.dims, self.input_shape[0], spec.width, k, spec.stem_stride,
                               k // 2, True, members)
        self.blocks = nn.ModuleList(PreActBlock(spec, members) for _ in range(spec.blocks))
        self.norm = MemberNorm(spec.normalization, spec.width, spec.groups, members)
        self.act = activation_fn(spec.activation)
        self.readout = MemberLinear(spec.width, spec.output_dim, True, members)
        if generator is not None:
            init_member_layers(self, generator, activation_gain(spec.activation),
                               spec.init_scale)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(stack_members_input(x, self.members, self.input_shape))
        for block in self.blocks:
            h = block(h)
        h = self.act(self.norm(h)).flatten(2).mean(-1)
        return split_members_channels(h, self.members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x))
