"""Batched optimizers over stacked ensemble parameters, with per-member hyperparameters.

Every parameter tensor has a leading member dimension M. Learning rate and weight decay are
tensors [M] so that one batched step updates members with different settings; `active` [M]
freezes members (diverged or stopped) exactly: their parameters are left unchanged (their
momentum or Adam moments may still decay, which no longer affects them).

Update rules (g = gradient of member i's mean training loss; PyTorch's conventions):
- sgd:   g ← g + λ p;  b ← μ b + g;  p ← p − η (g + μ b if nesterov else b)     (μ = 0: plain GD)
- adam:  g ← g + λ p;  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
         p ← p − η m̂ / (√v̂ + ε) with bias corrections m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)
- adamw: as adam without the λ p term, and p ← p (1 − η λ) first (Loshchilov & Hutter 2019).

With every member active a step is a handful of fused `torch._foreach_*` ops over all tensors
(per-member η and λ broadcast as [M, 1, ...] views, cached while unchanged); with some members
frozen it takes the per-tensor masked path.
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
        self._cache_key: tuple | None = None
        self._cache: tuple = ()
        like = self.params[0] if self.params else torch.zeros(())
        self._mu = torch.tensor(config.momentum, dtype=like.dtype, device=like.device)

    @torch.no_grad()
    def step(self, grads: Sequence[torch.Tensor], lr_factor: float = 1.0,
             active: torch.Tensor | None = None) -> None:
        """One update. `lr_factor` is the schedule's multiplier; `active` [M] bool or None."""
        self.t += 1
        if active is not None:
            self._masked_step(grads, lr_factor, active)
        elif self.config.name == "sgd":
            self._sgd_all(list(grads), lr_factor)
        else:
            self._adam_all(list(grads), lr_factor, decoupled=self.config.name == "adamw")

    def _views(self, values: torch.Tensor) -> list[torch.Tensor]:
        return [_per_member(values, p) for p in self.params]

    def _hyper_views(self, lr_factor: float) -> tuple[list, list, list]:
        """(−η views, λ views, (1 − η λ) views) for this factor, cached while unchanged."""
        key = (self.lr, self.weight_decay, lr_factor, self.lr._version,
               self.weight_decay._version)
        if self._cache_key is None or any(
                a is not b if isinstance(a, torch.Tensor) else a != b
                for a, b in zip(key, self._cache_key)):
            lr = self.lr * lr_factor
            self._cache = (self._views(-lr), self._views(self.weight_decay),
                           self._views(1 - lr * self.weight_decay))
            self._cache_key = key
        return self._cache

    def _sgd_all(self, grads: list[torch.Tensor], lr_factor: float) -> None:
        neg_lr, wd, _ = self._hyper_views(lr_factor)
        if self._has_decay:
            grads = torch._foreach_addcmul(grads, wd, self.params)     # g + λ p
        mu = self.config.momentum
        update = grads
        if mu != 0.0:
            if all("momentum" in state for state in self.state):
                bufs = [state["momentum"] for state in self.state]
                torch._foreach_mul_(bufs, self._mu)  # a tensor: cheaper than a float on the CPU
                torch._foreach_add_(bufs, grads)
            else:
                bufs = [self._sgd_momentum(state, g) for state, g in zip(self.state, grads)]
            update = torch._foreach_add(grads, bufs, alpha=mu) if self.config.nesterov else bufs
        torch._foreach_addcmul_(self.params, neg_lr, update)        # p − η · update

    def _adam_all(self, grads: list[torch.Tensor], lr_factor: float, decoupled: bool) -> None:
        c = self.config
        neg_lr, wd, keep = self._hyper_views(lr_factor)
        if self._has_decay:
            if decoupled:
                torch._foreach_mul_(self.params, keep)                 # p (1 − η λ)
            else:
                grads = torch._foreach_addcmul(grads, wd, self.params)
        for state, p in zip(self.state, self.params):
            if not state:
                state["m"] = torch.zeros_like(p)
                state["v"] = torch.zeros_like(p)
        ms = [state["m"] for state in self.state]
        vs = [state["v"] for state in self.state]
        torch._foreach_lerp_(ms, grads, 1 - c.beta1)
        torch._foreach_mul_(vs, c.beta2)
        torch._foreach_addcmul_(vs, grads, grads, value=1 - c.beta2)
        update = torch._foreach_div(ms, 1 - c.beta1 ** self.t)
        denom = torch._foreach_div(vs, 1 - c.beta2 ** self.t)
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, c.eps)
        torch._foreach_div_(update, denom)
        torch._foreach_addcmul_(self.params, neg_lr, update)

    def _masked_step(self, grads: Sequence[torch.Tensor], lr_factor: float,
                     active: torch.Tensor) -> None:
        lr = self.lr * lr_factor * active
        name = self.config.name
        for p, g, state in zip(self.params, grads, self.state):
            g = torch.where(_per_member(active, g), g, torch.zeros((), dtype=g.dtype,
                                                                     device=g.device))
            lr_p = _per_member(lr, p)
            wd_p = _per_member(self.weight_decay, p)
            if name == "sgd":
                update = self._sgd(p, g, state, wd_p)
            else:
                update = self._adam(p, g, state, wd_p, decoupled=name == "adamw", lr_p=lr_p)
            update = torch.where(_per_member(active, update), update, 0.0)
            p.sub_(lr_p * update)

    def _sgd_momentum(self, state, g):
        buf = state.get("momentum")
        if buf is None:
            buf = state["momentum"] = g.clone()
        else:
            buf.mul_(self.config.momentum).add_(g)
        return buf

    def _sgd(self, p, g, state, wd_p):
        if self._has_decay:
            g = g + wd_p * p
        mu = self.config.momentum
        if mu == 0.0:
            return g
        buf = self._sgd_momentum(state, g)
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
