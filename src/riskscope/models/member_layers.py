"""Layers that are one network or M networks at once (members stacked along channels).

Each layer is built with `members=None` (a plain layer: parameters of the usual shape, inputs
[B, C, *S]) or `members=M` (the same layer for M networks: every parameter and buffer gets a
leading member dimension, inputs hold the members' channels side by side, [B, M·C, *S]).
The stacked form runs all members as ONE kernel: a convolution with `groups=M` (each member's
channels see only that member's weights), a group norm with M·G groups, a batch norm over M·C
channels (so each member keeps its own running statistics), one batched matmul for the head.
Member i's parameters are `p[i]` of each stacked tensor, with the plain layer's names, so a
stacked network's `state_dict()` sliced at i is the `state_dict()` of member i.

Normalization (per example for layer/group, per channel over the batch for batch):
- "layer": GroupNorm with one group (mean and variance over channels and positions, per-channel
  affine; Wu & He 2018 note this is layer norm for convolutional features);
- "group": GroupNorm with `groups` groups (Wu & He 2018);
- "batch": BatchNorm (Ioffe & Szegedy 2015), momentum 0.1, running statistics used in eval mode.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Norm = Literal["none", "layer", "group", "batch"]
_EPS = 1e-5


def _lead(members: int | None) -> tuple[int, ...]:
    return () if members is None else (members,)


class MemberConv(nn.Module):
    """A `dims`-D convolution cin → cout (kernel k, stride, zero padding)."""

    def __init__(self, dims: int, cin: int, cout: int, kernel: int, stride: int, padding: int,
                 bias: bool, members: int | None = None):
        super().__init__()
        self.dims, self.stride, self.padding, self.members = dims, stride, padding, members
        lead = _lead(members)
        self.weight = nn.Parameter(torch.zeros(*lead, cout, cin, *([kernel] * dims)))
        self.bias = nn.Parameter(torch.zeros(*lead, cout)) if bias else None

    def fan_in(self) -> int:
        return math.prod(self.weight.shape[-self.dims - 1:])

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        conv = F.conv1d if self.dims == 1 else F.conv2d
        if self.members is None:
            return conv(h, self.weight, self.bias, self.stride, self.padding)
        bias = None if self.bias is None else self.bias.flatten()
        return conv(h, self.weight.flatten(0, 1), bias, self.stride, self.padding,
                    groups=self.members)


class MemberNorm(nn.Module):
    """Normalization of C channels (see the module docstring); "none" is the identity."""

    def __init__(self, kind: Norm, channels: int, groups: int = 1, members: int | None = None):
        super().__init__()
        self.kind, self.groups, self.members = kind, groups, members
        if kind == "none":
            return
        lead = _lead(members)
        self.weight = nn.Parameter(torch.ones(*lead, channels))
        self.bias = nn.Parameter(torch.zeros(*lead, channels))
        if kind == "batch":
            self.register_buffer("running_mean", torch.zeros(*lead, channels))
            self.register_buffer("running_var", torch.ones(*lead, channels))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if self.kind == "none":
            return h
        w, b = self.weight.reshape(-1), self.bias.reshape(-1)
        if self.kind == "batch":
            # views of the stacked buffers: the in-place update writes each member's own row
            return F.batch_norm(h, self.running_mean.view(-1), self.running_var.view(-1), w, b,
                                self.training, 0.1, _EPS)
        groups = (1 if self.kind == "layer" else self.groups) * (self.members or 1)
        return F.group_norm(h, groups, w, b, _EPS)


class MemberLinear(nn.Module):
    """The readout: [B, F] → [B, out] (plain) or [B, M, F] → [M, B, out] (stacked)."""

    def __init__(self, fan_in: int, fan_out: int, bias: bool, members: int | None = None):
        super().__init__()
        self.members = members
        lead = _lead(members)
        self.weight = nn.Parameter(torch.zeros(*lead, fan_out, fan_in))
        self.bias = nn.Parameter(torch.zeros(*lead, fan_out)) if bias else None

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if self.members is None:
            return F.linear(h, self.weight, self.bias)
        h = h.transpose(0, 1)                                     # [M, B, F]
        if self.bias is None:
            return torch.bmm(h, self.weight.transpose(1, 2))
        return torch.baddbmm(self.bias.unsqueeze(1), h, self.weight.transpose(1, 2))


def stack_members_input(x: torch.Tensor, members: int | None, shape: tuple[int, ...]
                        ) -> torch.Tensor:
    """Flat inputs → [B, C, *S] (plain) or [B, M·C, *S] (stacked; x [B, d] shared by all
    members, or [M, B, d] one batch per member)."""
    if members is None:
        return x.reshape(x.shape[0], *shape)
    if x.dim() == 2:
        h = x.reshape(x.shape[0], *shape)
        return h.repeat(1, members, *([1] * (len(shape) - 1)))
    return x.transpose(0, 1).reshape(x.shape[1], members * shape[0], *shape[1:])


def split_members_channels(h: torch.Tensor, members: int | None) -> torch.Tensor:
    """[B, C, *S] → [B, C·S] (plain) or [B, M·C, *S] → [B, M, C·S] (stacked), channel-major."""
    if members is None:
        return h.flatten(1)
    return h.reshape(h.shape[0], members, -1)


@torch.no_grad()
def init_member_layers(module: nn.Module, generator: torch.Generator, gain: float,
                       init_scale: float) -> None:
    """Draw a plain network's weights in module order: convolutions and hidden layers
    N(0, (c·σ_w)²/fan_in) (He et al. 2015), the readout N(0, c²/fan_in); biases 0; norms 1, 0."""
    layers = [m for m in module.modules() if isinstance(m, (MemberConv, MemberLinear))]
    for m in layers:
        fan_in = m.fan_in() if isinstance(m, MemberConv) else m.weight.shape[-1]
        g = 1.0 if isinstance(m, MemberLinear) else gain
        std = init_scale * g / math.sqrt(fan_in)
        m.weight.copy_(torch.randn(m.weight.shape, generator=generator) * std)
