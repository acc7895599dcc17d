"""An ensemble of any `nn.Module` family, vectorized with torch.func.

`MLPEnsemble` is the fast path for MLPs (hand-batched matmuls). For other families (small
CNNs, transformers) this wraps M copies of one module: their parameters are stacked along a
leading member dimension and `torch.func.vmap(functional_call)` runs them as one batched
program. Same interface as `MLPEnsemble` (`num_members`, `stacked_parameters()`, forward
x [B, ...] or [M, B, ...] → [M, B, out], `member(i)`), so the trainer takes either.

Members with buffers (batch-norm running statistics) are stacked too, one row per member, and
run one after another (`functional_call` of the shared forward with member i's parameters and
buffers, so a train-mode forward updates member i's own statistics); vmap cannot write a
member's statistics in place. A stateless family is vmapped.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state

from riskscope.core.errors import SpecError


class FunctionalEnsemble(nn.Module):
    def __init__(self, members: Sequence[nn.Module], example_dims: int = 1,
                 vectorize: bool = True):
        """example_dims: dimensions of one input example (1 for vectors [B, d], 2 for
        sequences of vectors [B, T, d]); inputs with one more leading dimension are per member.
        vectorize: vmap the members (when they hold no buffers); false runs them one by one.
        """
        super().__init__()
        self.example_dims = example_dims
        self.vectorize = vectorize
        if not members:
            raise SpecError("members", [], "a non-empty list of modules of one architecture")
        names = [n for n, _ in members[0].named_parameters()]
        for k, m in enumerate(members):
            if [n for n, _ in m.named_parameters()] != names:
                raise SpecError(f"members[{k}]", type(m).__name__,
                                "modules with the parameter names of members[0]")
        params, buffers = stack_module_state(list(members))
        self.names = names
        self.stacked = nn.ParameterList(nn.Parameter(params[n].detach().clone()) for n in names)
        self.buffer_names = [n for n, _ in members[0].named_buffers()]
        for k, n in enumerate(self.buffer_names):
            self.register_buffer(f"stacked_buffer_{k}", buffers[n].detach().clone())
        self.num_members = len(members)
        base = copy.deepcopy(members[0]).to("meta")
        self._base = [base]  # kept out of the module tree: it only supplies the forward
        self.train(members[0].training)

    @classmethod
    def from_members(cls, members: Sequence[nn.Module]) -> FunctionalEnsemble:
        """Stack plain modules of one architecture (the interface of the other ensembles)."""
        ens = cls(members)
        first = next(members[0].parameters())
        ens = ens.to(device=first.device)
        if hasattr(members[0], "spec"):
            ens.spec = members[0].spec
        return ens

    @classmethod
    def from_factory(cls, factory: Callable[[torch.Generator], nn.Module],
                     seeds: Sequence[int], example_dims: int = 1) -> FunctionalEnsemble:
        """Member i = factory(torch.Generator seeded with seeds[i])."""
        return cls([factory(torch.Generator().manual_seed(int(s))) for s in seeds],
                   example_dims)

    def stacked_parameters(self) -> list[nn.Parameter]:
        return list(self.stacked)

    def _call_one(self, params: tuple[torch.Tensor, ...], x: torch.Tensor) -> torch.Tensor:
        return functional_call(self._base[0], dict(zip(self.names, params)), (x,))

    def train(self, mode: bool = True) -> FunctionalEnsemble:
        super().train(mode)
        if hasattr(self, "_base"):
            self._base[0].train(mode)
        return self

    def _stacked_buffers(self) -> list[torch.Tensor]:
        return [getattr(self, f"stacked_buffer_{k}") for k in range(len(self.buffer_names))]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        params = tuple(self.stacked)
        if x.dim() not in (1 + self.example_dims, 2 + self.example_dims):
            raise SpecError("x.shape", tuple(x.shape), f"[B, ...] or [M, B, ...] with "
                            f"{self.example_dims} example dimension(s)")
        shared = x.dim() == 1 + self.example_dims
        if self.buffer_names or not self.vectorize:  # stateful members: one call each
            buffers = self._stacked_buffers()
            outs = []
            for i in range(self.num_members):
                state = dict(zip(self.names, (p[i] for p in params)))
                state.update(zip(self.buffer_names, (b[i] for b in buffers)))
                outs.append(functional_call(self._base[0], state, (x if shared else x[i],)))
            return torch.stack(outs)
        return torch.func.vmap(self._call_one, in_dims=(0, None if shared else 0))(params, x)

    def member(self, i: int) -> nn.Module:
        """Member i as a plain module (a copy on the ensemble's device)."""
        device = self.stacked[0].device
        module = copy.deepcopy(self._base[0]).to_empty(device=device)
        module = module.to(dtype=self.stacked[0].dtype)
        state = {n: p[i].detach().clone() for n, p in zip(self.names, self.stacked)}
        state.update({n: b[i].clone() for n, b in zip(self.buffer_names,
                                                       self._stacked_buffers())})
        module.load_state_dict(state, strict=True)
        return module.train(self.training)
