"""A training objective handed to the trainer: what it minimizes when that is not the members'
mean loss on the batch.

`TrainingObjective(loss, parameters, optimizer)`: `loss(batch)` returns the objective of
each member on that batch, a tensor [num_members] (a scalar for one model), differentiable in
`parameters`; the trainer differentiates its sum (members share nothing, so each gets its own
gradient), checks it for NaN/Inf and steps. Examples: the PAC-Bayes bound of a Gaussian
posterior over a reparameterized weight draw (procedures/posterior_training.py), the
cross-entropy of one plain `nn.Module` (procedures/prior.py).

`optimizer` None: the run's `TrainingConfig` optimizer as a `BatchedOptimizer` over
`parameters` (stacked [M, ...], per-member lr and weight decay, stopped members frozen).
A `torch.optim.Optimizer` over `parameters` instead: the trainer hands it the gradients
(`p.grad`, None for a parameter the objective did not use) and calls its `step()`; the
schedule's factor scales its learning rates (constant schedule: untouched); it updates every
parameter, so the run then has one member.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from riskscope.tasks.base import Dataset


@dataclass
class TrainingObjective:
    """loss: batch → objective per member [num_members] or a scalar; parameters: what is
    trained; optimizer: a torch optimizer over them, or None for the config's batched one."""

    loss: Callable[[Dataset], torch.Tensor]
    parameters: Sequence[torch.Tensor]
    optimizer: torch.optim.Optimizer | None = None
    num_members: int = 1

    def __post_init__(self):
        self.parameters = list(self.parameters)
        if not self.parameters:
            raise ValueError("an objective needs at least one parameter to train")
        frozen = [k for k, p in enumerate(self.parameters) if not p.requires_grad]
        if frozen:
            raise ValueError(f"parameters {frozen} do not require grad: the objective trains "
                             "leaf tensors with requires_grad=True")
        if self.num_members < 1:
            raise ValueError(f"num_members must be at least 1; got {self.num_members}")
        if self.optimizer is not None and self.num_members != 1:
            raise ValueError("a torch optimizer updates every parameter, so it trains one "
                             f"member; got num_members={self.num_members} (leave optimizer "
                             "None for the batched optimizer, which freezes stopped members)")


def objective_and_grads(objective: TrainingObjective, batch: Dataset
                        ) -> tuple[torch.Tensor, list[torch.Tensor | None]]:
    """(the objective per member [M], detached; gradients of its sum w.r.t. the parameters:
    for a parameter it does not depend on None with a torch optimizer (which then skips it,
    as after `backward()`), zeros with the batched one)."""
    with torch.enable_grad():
        loss_m = objective.loss(batch).reshape(-1)
        grads = list(torch.autograd.grad(loss_m.sum(), objective.parameters,
                                         allow_unused=True))
    if objective.optimizer is None:  # the batched optimizer steps every tensor
        grads = [torch.zeros_like(p) if g is None else g
                 for p, g in zip(objective.parameters, grads)]
    return loss_m.detach(), grads


class TorchOptimizerStep:
    """A torch optimizer behind the trainer's `step(grads, lr_factor, active)`."""

    def __init__(self, optimizer: torch.optim.Optimizer, parameters: Sequence[torch.Tensor]):
        self.optimizer = optimizer
        self.parameters = list(parameters)
        self._base_lr = [group["lr"] for group in optimizer.param_groups]
        self._factor = 1.0

    def step(self, grads: Sequence[torch.Tensor | None], lr_factor: float = 1.0,
             active: torch.Tensor | None = None) -> None:
        if lr_factor != self._factor:
            for group, lr in zip(self.optimizer.param_groups, self._base_lr):
                group["lr"] = lr * lr_factor
            self._factor = lr_factor
        for p, g in zip(self.parameters, grads):
            p.grad = g
        self.optimizer.step()
        for p in self.parameters:
            p.grad = None
