"""Run one network with many parameter sets at once (torch.func.vmap over functional_call).

`batched_forward(model, params, x)` evaluates f(x; θ_s) for every parameter set s in one batched
program: a Linear layer becomes one batched matmul over s, a convolution one grouped conv. Used
by the Monte-Carlo evaluation of stochastic networks and by perturbation measures; the
per-sample loop it replaces is kept in benchmarks for comparison.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call


def parameter_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """The model's parameters by full name, detached (a snapshot, not a copy)."""
    return {name: p.detach() for name, p in model.named_parameters()}


def batched_forward(model: nn.Module, params: dict[str, torch.Tensor],
                    x: torch.Tensor) -> torch.Tensor:
    """Outputs [S, B, ...] of `model` on x [B, ...] with each parameter set params[·][s].

    params: name -> tensor [S, *shape] for every parameter of `model` (buffers are the model's).
    """
    def one(p: dict[str, torch.Tensor]) -> torch.Tensor:
        return functional_call(model, p, (x,))

    return torch.func.vmap(one)(params)
