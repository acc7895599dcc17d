"""The `random-features` family: f(x) = a · φ(W x) with W fixed and only the readout a trained.

Rahimi & Recht 2007; Mei & Montanari 2019. W [N, d] has i.i.d. N(0, 1/d) entries (a buffer:
never trained, so weight decay and the optimizer touch only the readout), φ is the activation,
and the readout starts N(0, c²/N) with `init_scale` c (0 is allowed: a zero start makes gradient
descent on squared loss converge to the minimum-norm interpolant, the regime of double descent).
`RandomFeaturesNet(spec)` is one network, `(spec, members=M)` M of them stacked.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from pydantic import Field
from torch import nn

from riskscope.core.validation import Params
from riskscope.models.activations import activation_fn
from riskscope.models.member_layers import MemberLinear
from riskscope.models.mlp_spec import Activation


class RandomFeaturesParams(Params):
    """The `[model]` section of family "random-features"."""

    family: Literal["random-features"] = "random-features"
    num_features: int = Field(default=256, gt=0)
    activation: Activation = "relu"
    bias: bool = False
    init_scale: float = Field(default=1.0, ge=0)


class RandomFeaturesSpec(RandomFeaturesParams):
    input_dim: int = Field(gt=0)
    output_dim: int = Field(gt=0)

    def network(self, members: int | None = None, generator: torch.Generator | None = None
                ) -> RandomFeaturesNet:
        return RandomFeaturesNet(self, members, generator)

    @property
    def num_parameters(self) -> int:
        return self.output_dim * (self.num_features + (1 if self.bias else 0))


class RandomFeaturesNet(nn.Module):
    def __init__(self, spec: RandomFeaturesSpec, members: int | None = None,
                 generator: torch.Generator | None = None):
        super().__init__()
        self.spec, self.members = spec, members
        lead = () if members is None else (members,)
        self.register_buffer("features_weight",
                             torch.zeros(*lead, spec.num_features, spec.input_dim))
        self.readout = MemberLinear(spec.num_features, spec.output_dim, spec.bias, members)
        self.act = activation_fn(spec.activation)
        if generator is not None:
            with torch.no_grad():
                self.features_weight.copy_(torch.randn(
                    spec.num_features, spec.input_dim, generator=generator)
                    / math.sqrt(spec.input_dim))
                self.readout.weight.copy_(torch.randn(
                    self.readout.weight.shape, generator=generator)
                    * spec.init_scale / math.sqrt(spec.num_features))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """φ(W x): [B, N] (plain) or [B, M, N] (stacked)."""
        h = self.act(torch.matmul(x, self.features_weight.transpose(-1, -2)))
        return h if self.members is None else h.transpose(0, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x))
