"""Full-batch gradient descent on an ensemble, every step recorded, with a measurement hook.

Curvature analyses need every step's loss (to count loss increases at the edge of stability,
to fit a linear rate) and measurements every k steps (sharpness, NTK). Both are recorders of
the one trainer (`train_ensemble`), so each member follows exactly the trainer's GD:
θ ← θ − η_i ∇L_i(θ), L_i the member's mean training loss in riskscope's convention
(squared error without ½, or cross-entropy).

A member whose loss or gradient turns NaN/Inf is marked diverged and frozen (as in the
trainer); its later losses are NaN.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from riskscope.analyses.curvature.records import GradientDescentRecord
from riskscope.tasks.base import Dataset, Metric
from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches
from riskscope.training.measure import loss_and_grads
from riskscope.training.recorders import CallbackRecorder, RecordAt, StepLossRecorder
from riskscope.training.trainer import LossSpec, train_ensemble


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
    Runs `train_ensemble` (optimizer "gd", constant step) with two recorders: every step's
    loss and squared gradient norm, and the callback; the trainer's own metrics are off.
    """
    params = ensemble.stacked_parameters()
    device = params[0].device
    m = ensemble.num_members
    config = TrainingConfig(optimizer="gd", lr=1.0, momentum=momentum, steps=max(steps, 1),
                            batch_size=0, schedule="constant")
    data = Dataset(x, y)
    per_step = StepLossRecorder(steps, device, lambda ens: loss_and_grads(ens, loss, x, y)[1:])
    recorders: list = [per_step]
    if callback is not None and every > 0:
        recorders.insert(0, CallbackRecorder(callback, RecordAt(every=every)))
    if steps == 0:  # nothing to train: the initial loss (and the callback) only
        for r in recorders:
            r.record(ensemble, 0, torch.ones(m, dtype=torch.bool, device=device))
    diverged_at = np.full(m, -1)
    if steps > 0:
        traj = train_ensemble(ensemble, LossSpec(loss, loss), FixedBatches(data, m, 0, [0] * m),
                              config, lr.to(device), torch.zeros(m, device=device),
                              progress=progress, recorders=recorders, measure=False)
        for i, reason in enumerate(traj.stop_reason):
            if reason == "diverged":
                diverged_at[i] = traj.stop_step[i]
    series = per_step.finalize()
    return GradientDescentRecord(series["losses"], series["grad_norm_sq"], diverged_at >= 0,
                                 diverged_at)
