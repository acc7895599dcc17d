"""The `linear` family: f(x) = W x_{1:k} (+ b), linear in the first k input coordinates.

The model class of the analytic oracle of the excess-risk decomposition (docs/decomposition.md:
Gaussian-design regression, where approximation, optimization and generalization errors all
have closed forms): a least-squares predictor restricted to the first `features` = k inputs
(all of them when unset), with an output bias when `bias` is true (default false). W [out, k]
starts N(0, c²/k) with c = `init_scale`; the default 0 starts every member at W = 0, b = 0, so
full-batch gradient descent follows the closed-form iterates w_t = (I − (I − ηA)^t) w*.
`LinearNet(spec)` is one network, `(spec, members=M)` M of them stacked.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from pydantic import Field
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.models.member_layers import MemberLinear


class LinearParams(Params):
    """The `[model]` section of family "linear"."""

    family: Literal["linear"] = "linear"
    features: int | None = Field(default=None, gt=0,
                                 description="use the first k inputs (unset: all of them)")
    bias: bool = False
    init_scale: float = Field(default=0.0, ge=0, description="0: start at W = 0")


class LinearSpec(LinearParams):
    input_dim: int = Field(gt=0)
    output_dim: int = Field(gt=0)

    @property
    def num_features(self) -> int:
        return self.input_dim if self.features is None else self.features

    def check(self) -> None:
        if self.num_features > self.input_dim:
            raise SpecError("model.features", self.features,
                            f"at most the task's input dimension {self.input_dim}")

    def network(self, members: int | None = None, generator: torch.Generator | None = None
                ) -> LinearNet:
        return LinearNet(self, members, generator)

    @property
    def num_parameters(self) -> int:
        return self.output_dim * (self.num_features + (1 if self.bias else 0))


class LinearNet(nn.Module):
    def __init__(self, spec: LinearSpec, members: int | None = None,
                 generator: torch.Generator | None = None):
        super().__init__()
        spec.check()
        self.spec, self.members = spec, members
        k = spec.num_features
        self.readout = MemberLinear(k, spec.output_dim, spec.bias, members)
        if generator is not None and spec.init_scale > 0:
            with torch.no_grad():
                self.readout.weight.copy_(torch.randn(
                    self.readout.weight.shape, generator=generator)
                    * spec.init_scale / math.sqrt(k))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """x_{1:k}: [B, k] (plain) or [B, M, k] (stacked; x [B, d] shared or [M, B, d])."""
        h = x[..., : self.spec.num_features]
        if self.members is None:
            return h
        if h.dim() == 2:
            return h.unsqueeze(1).expand(h.shape[0], self.members, h.shape[1])
        return h.transpose(0, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(x))
