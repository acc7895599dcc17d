"""An ensemble of a family whose network can be built stacked (`spec.network(members=M)`).

The convolutional families (`cnn`, `resnet`) and random features build M members as one
program whose every parameter and buffer has a leading member dimension and the plain
network's name; member i is `spec.network()` loaded with slice i of the `state_dict()`.
Member i is initialized exactly as `spec.network(generator=torch_generator(seeds[i]))`, so a
member trained in an ensemble and the same network trained alone start bit-for-bit equal.
Same interface as `MLPEnsemble`: `num_members`, `stacked_parameters()`, forward x [B, d]
(shared) or [M, B, d] → [M, B, out], `member(i)`, `from_members`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator


class StackedEnsemble(nn.Module):
    def __init__(self, spec, num_members: int):
        super().__init__()
        if num_members < 1:
            raise SpecError("num_members", num_members, "an integer >= 1")
        self.spec = spec
        self.num_members = num_members
        self.net = spec.network(members=num_members)

    @classmethod
    def from_members(cls, members: Sequence[nn.Module]) -> StackedEnsemble:
        """Stack plain networks of one spec (on the first member's device and dtype)."""
        spec = members[0].spec
        for k, m in enumerate(members):
            if m.spec != spec:
                raise SpecError(f"members[{k}].spec", m.spec, f"the spec of members[0]: {spec}")
        first = next(members[0].parameters())
        ens = cls(spec, len(members)).to(device=first.device, dtype=first.dtype)
        states = [m.state_dict() for m in members]
        ens.net.load_state_dict({k: torch.stack([s[k] for s in states]) for k in states[0]})
        ens.train(members[0].training)
        return ens

    @classmethod
    def from_seeds(cls, spec, seeds: Sequence[int], device: torch.device | str = "cpu"
                   ) -> StackedEnsemble:
        """Member i = spec.network(generator=torch_generator(seeds[i])), drawn on the CPU."""
        members = [spec.network(generator=torch_generator(s)) for s in seeds]
        return cls.from_members(members).to(device)

    def stacked_parameters(self) -> list[nn.Parameter]:
        return list(self.net.parameters())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The readout's input, [M, B, F]."""
        h = self.net.features(x)
        return h.transpose(0, 1) if h.dim() == 3 else h

    def member(self, i: int) -> nn.Module:
        """Member i as a plain module (a copy; same train/eval mode as the ensemble)."""
        first = next(self.net.parameters())
        module = self.spec.network().to(device=first.device, dtype=first.dtype)
        module.load_state_dict({k: v[i] for k, v in self.net.state_dict().items()})
        return module.train(self.training)

    def load_member(self, i: int, module: nn.Module) -> None:
        with torch.no_grad():
            own = self.net.state_dict()
            for k, v in module.state_dict().items():
                own[k][i].copy_(v)
