"""Full-batch gradient descent on an ensemble, every step recorded, with a measurement hook.

The trainer (riskscope.training) records metrics at log-spaced steps; curvature analyses need
every step's loss (to count loss increases at the edge of stability, to fit a linear rate) and
measurements every k steps (sharpness, NTK). This loop uses the trainer's pieces — the
batched gradient `loss_and_grads` and the batched optimizer with per-member learning rates —
so each member follows exactly the trainer's GD: θ ← θ − η_i ∇L_i(θ), L_i the member's mean
training loss in riskscope's convention (squared error without ½, or cross-entropy).

A member whose loss or gradient turns NaN/Inf is marked diverged and frozen (as in the
trainer); its later losses are NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from riskscope.tasks.base import Metric
from riskscope.training.measure import loss_and_grads
from riskscope.training.optimizers import BatchedOptimizer, OptimizerConfig


@dataclass
class GradientDescentRecord:
    """losses, grad_norm_sq: [steps + 1, M] at every step before its update (row `steps` is
    the end); diverged: [M]; diverged_at: [M] step of divergence (−1 if none)."""

    losses: np.ndarray
    grad_norm_sq: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray

    @property
    def steps(self) -> int:
        return self.losses.shape[0] - 1


def run_gradient_descent(ensemble, x: torch.Tensor, y: torch.Tensor, loss: Metric,
                         lr: torch.Tensor, steps: int, *, every: int = 0,
                         callback: Callable[[int, torch.Tensor], None] | None = None,
                         momentum: float = 0.0,
                         progress: Callable[[int], None] | None = None
                         ) -> GradientDescentRecord:
    """`steps` steps of full-batch GD (heavy-ball if momentum > 0) for every member.

    x [n, d] (shared) or [M, n, d]; y matching; lr [M] on the ensemble's device.
    callback(step, active) is called at steps 0, every, 2·every, ... and at the end, before
    that step's update; active [M] bool marks the members not diverged.
    progress: called with the number of steps done since its last call.
    """
    params = ensemble.stacked_parameters()
    device = params[0].device
    m = ensemble.num_members
    optimizer = BatchedOptimizer(params, OptimizerConfig(name="sgd", momentum=momentum),
                                 lr.to(device), torch.zeros(m, device=device))
    losses = torch.full((steps + 1, m), float("nan"), dtype=torch.float64, device=device)
    grad_sq = torch.full_like(losses, float("nan"))
    active = torch.ones(m, dtype=torch.bool, device=device)
    diverged_at = np.full(m, -1)
    all_active = True
    reported = 0
    for step in range(steps + 1):
        if callback is not None and every > 0 and (step % every == 0 or step == steps):
            callback(step, active.clone())
        _, loss_m, grads = loss_and_grads(ensemble, loss, x, y)
        g2 = sum(g.detach().pow(2).flatten(1).sum(1) for g in grads)
        losses[step] = torch.where(active, loss_m.double(), float("nan"))
        grad_sq[step] = torch.where(active, g2.double(), float("nan"))
        if step == steps:
            break
        finite = torch.isfinite(loss_m) & torch.isfinite(g2)
        if not bool(finite.all()) or not all_active:
            newly = (active & ~finite).nonzero().flatten().tolist()
            for i in newly:
                diverged_at[i] = step
            active &= finite
            all_active = False
            if not bool(active.any()):
                break
        optimizer.step(grads, 1.0, None if all_active else active)
        if progress is not None and (step + 1) % 25 == 0:
            progress(25)
            reported += 25
    if progress is not None and steps > reported:
        progress(steps - reported)
    return GradientDescentRecord(losses.cpu().numpy(), grad_sq.cpu().numpy(),
                                 diverged_at >= 0, diverged_at)
