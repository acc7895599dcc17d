"""The ensemble: M members of one MLP shape stored stacked and run as one batched program.

Sweeps over seeds, learning rates and weight decays are the daily work of this field, and a
Python loop over hundreds of small models leaves the machine idle. Here layer l of all members
is one tensor W_l [M, fan_out, fan_in] (bias [M, 1, fan_out]) and a forward pass is one
`baddbmm` per layer, so the whole ensemble is a handful of large kernels; autograd gives each
member its own gradient because members share nothing.

Member i is bit-for-bit the MLP built from `torch_generator(seeds[i])`; `member(i)` returns it
as a plain `nn.Module` and `from_members` stacks plain MLPs back.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator
from riskscope.models.activations import activation_fn
from riskscope.models.mlp import MLP, sample_mlp_parameters
from riskscope.models.mlp_spec import MLPSpec


class MLPEnsemble(nn.Module):
    """M MLPs of one `MLPSpec`, parameters stacked along a leading member dimension."""

    def __init__(self, spec: MLPSpec, num_members: int, device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        if num_members < 1:
            raise SpecError("num_members", num_members, "an integer >= 1")
        self.spec = spec
        self.num_members = num_members
        self.act = activation_fn(spec.activation)
        self.multipliers = [spec.scaling(k)[1] for k in range(len(spec.layer_sizes))]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.zeros(num_members, o, i, device=device, dtype=dtype))
            for i, o in spec.layer_sizes
        )
        self.biases = nn.ParameterList(
            nn.Parameter(torch.zeros(num_members, 1, o, device=device, dtype=dtype))
            for _, o in spec.layer_sizes
        ) if spec.bias else None

    @classmethod
    def from_seeds(cls, spec: MLPSpec, seeds: Sequence[int], device: torch.device | str = "cpu",
                   dtype: torch.dtype = torch.float32) -> MLPEnsemble:
        """Member i initialized from `torch_generator(seeds[i])` (drawn on the CPU, then moved)."""
        ens = cls(spec, len(seeds), device=device, dtype=dtype)
        for i, seed in enumerate(seeds):
            ens.load_member_raw(i, sample_mlp_parameters(spec, torch_generator(seed), dtype))
        return ens

    @classmethod
    def from_members(cls, members: Sequence[MLP]) -> MLPEnsemble:
        """Stack plain MLPs of one spec into an ensemble (on the first member's device)."""
        spec = members[0].spec
        for k, m in enumerate(members):
            if m.spec != spec:
                raise SpecError(f"members[{k}].spec", m.spec, f"the spec of members[0]: {spec}")
        p0 = members[0].raw_parameters()[0]
        ens = cls(spec, len(members), device=p0.device, dtype=p0.dtype)
        for i, m in enumerate(members):
            ens.load_member_raw(i, [p.detach() for p in m.raw_parameters()])
        return ens

    def stacked_parameters(self) -> list[nn.Parameter]:
        """[W_0, b_0, W_1, b_1, ...] each with leading dimension M (the order of raw params)."""
        out = []
        for k, w in enumerate(self.weights):
            out.append(w)
            if self.biases is not None:
                out.append(self.biases[k])
        return out

    @torch.no_grad()
    def load_member_raw(self, i: int, tensors: Sequence[torch.Tensor]) -> None:
        for p, t in zip(self.stacked_parameters(), tensors, strict=True):
            p[i].copy_(t.reshape(p[i].shape))

    def member(self, i: int) -> MLP:
        """Member i as a plain `nn.Module` (a copy: training it leaves the ensemble unchanged)."""
        mlp = MLP(self.spec).to(device=self.weights[0].device, dtype=self.weights[0].dtype)
        mlp.load_raw_parameters([p[i].detach().reshape(q.shape)
                                 for p, q in zip(self.stacked_parameters(), mlp.raw_parameters())])
        return mlp

    def load_member(self, i: int, mlp: MLP) -> None:
        """Write a plain MLP's parameters into slot i."""
        if mlp.spec != self.spec:
            raise SpecError("mlp.spec", mlp.spec, f"the ensemble's spec {self.spec}")
        self.load_member_raw(i, [p.detach() for p in mlp.raw_parameters()])

    def _layer(self, k: int, h: torch.Tensor) -> torch.Tensor:
        w = self.weights[k].transpose(1, 2)
        if self.biases is None:
            return torch.bmm(h, w).mul_(self.multipliers[k]) if self.multipliers[k] != 1 else \
                torch.bmm(h, w)
        return torch.baddbmm(self.biases[k], h, w, alpha=self.multipliers[k])

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Last hidden activations [M, B, width] for inputs x [B, d] (shared) or [M, B, d]."""
        h = x.expand(self.num_members, *x.shape) if x.dim() == 2 else x
        for k in range(len(self.weights) - 1):
            h = self.act(self._layer(k, h))
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs [M, B, output_dim] for inputs x [B, d] (shared) or [M, B, d]."""
        return self._layer(len(self.weights) - 1, self.features(x))
