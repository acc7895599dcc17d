"""Batched optimizers over stacked ensemble parameters, with per-member hyperparameters.

Every parameter tensor has a leading member dimension M. Learning rate and weight decay are
tensors [M] so that one batched step updates members with different settings; `active` [M]
freezes members (diverged or stopped) exactly: their parameters and state are left unchanged.

Update rules (g = gradient of member i's mean training loss; PyTorch's conventions):
- sgd:   g ← g + λ p;  b ← μ b + g;  p ← p − η (g + μ b if nesterov else b)     (μ = 0: plain GD)
- adam:  g ← g + λ p;  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
         p ← p − η m̂ / (√v̂ + ε) with bias corrections m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)
- adamw: as adam without the λ p term, and p ← p (1 − η λ) first (Loshchilov & Hutter 2019).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


def _per_member(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return values.view(-1, *([1] * (like.dim() - 1)))


@dataclass
class OptimizerConfig:
    name: str = "sgd"            # sgd | adam | adamw  ("gd" is sgd on the full batch)
    momentum: float = 0.0
    nesterov: bool = False
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


class BatchedOptimizer:
    """Holds per-parameter state; `step` applies one update to all members at once."""

    def __init__(self, params: Sequence[torch.Tensor], config: OptimizerConfig,
                 lr: torch.Tensor, weight_decay: torch.Tensor):
        self.params = list(params)
        self.config = config
        self.lr = lr
        self.weight_decay = weight_decay
        self.t = 0
        self.state: list[dict[str, torch.Tensor]] = [{} for _ in self.params]
        self._has_decay = bool((weight_decay != 0).any())

    @torch.no_grad()
    def step(self, grads: Sequence[torch.Tensor], lr_factor: float = 1.0,
             active: torch.Tensor | None = None) -> None:
        """One update. `lr_factor` is the schedule's multiplier; `active` [M] bool or None."""
        self.t += 1
        lr = self.lr * lr_factor
        if active is not None:
            lr = lr * active
        name = self.config.name
        for p, g, state in zip(self.params, grads, self.state):
            if active is not None:
                g = torch.where(_per_member(active, g), g, torch.zeros((), dtype=g.dtype,
                                                                         device=g.device))
            lr_p = _per_member(lr, p)
            wd_p = _per_member(self.weight_decay, p)
            if name == "sgd":
                update = self._sgd(p, g, state, wd_p)
            else:
                update = self._adam(p, g, state, wd_p, decoupled=name == "adamw", lr_p=lr_p)
            if active is not None:
                update = torch.where(_per_member(active, update), update, 0.0)
            p.sub_(lr_p * update)

    def _sgd(self, p, g, state, wd_p):
        if self._has_decay:
            g = g + wd_p * p
        mu = self.config.momentum
        if mu == 0.0:
            return g
        buf = state.get("momentum")
        if buf is None:
            buf = state["momentum"] = g.clone()
        else:
            buf.mul_(mu).add_(g)
        return g + mu * buf if self.config.nesterov else buf

    def _adam(self, p, g, state, wd_p, decoupled: bool, lr_p):
        c = self.config
        if self._has_decay:
            if decoupled:
                p.mul_(1 - lr_p * wd_p)
            else:
                g = g + wd_p * p
        if not state:
            state["m"] = torch.zeros_like(p)
            state["v"] = torch.zeros_like(p)
        m, v = state["m"], state["v"]
        m.lerp_(g, 1 - c.beta1)
        v.mul_(c.beta2).addcmul_(g, g, value=1 - c.beta2)
        bc1 = 1 - c.beta1 ** self.t
        bc2 = 1 - c.beta2 ** self.t
        return (m / bc1) / ((v / bc2).sqrt_().add_(c.eps))
