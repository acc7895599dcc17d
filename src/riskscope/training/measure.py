"""Metrics of every member at one step: losses and risks, gradient and weight norms.

train_*: on the whole fixed training set (online mode: the last batch's loss only).
test_*:  on the fixed evaluation sample drawn from the population (or the task's held-out set).
grad_norm: ‖∇θ L̂‖₂ of the training loss on the whole training set.
weight_norm: ‖θ‖₂; distance_from_init: ‖θ − θ₀‖₂ (all layers, raw parameters).
"""

from __future__ import annotations

import numpy as np
import torch

from riskscope.tasks.base import Dataset, Metric, pointwise_loss


def _per_member_sq_norm(tensors) -> torch.Tensor:
    return sum(t.detach().pow(2).flatten(1).sum(1) for t in tensors)


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().cpu().numpy()


def measure_ensemble(ensemble, loss: Metric, risk: Metric, batches, eval_data: Dataset | None,
                     init: list[torch.Tensor], last_batch_loss: torch.Tensor
                     ) -> dict[str, np.ndarray]:
    params = ensemble.stacked_parameters()
    out: dict[str, np.ndarray] = {}
    train = batches.data
    if train is not None:
        output = ensemble(train.x)
        loss_m = pointwise_loss(loss, output, train.y).mean(-1)
        grads = torch.autograd.grad(loss_m.sum(), params)
        out["train_loss"] = _np(loss_m)
        out["grad_norm"] = _np(_per_member_sq_norm(grads).sqrt())
        if risk != loss:
            out["train_risk"] = _np(pointwise_loss(risk, output.detach(), train.y).mean(-1))
    else:
        out["train_loss"] = _np(last_batch_loss)
    with torch.no_grad():
        if eval_data is not None:
            output = ensemble(eval_data.x)
            out["test_loss"] = _np(pointwise_loss(loss, output, eval_data.y).mean(-1))
            if risk != loss:
                out["test_risk"] = _np(pointwise_loss(risk, output, eval_data.y).mean(-1))
        out["weight_norm"] = _np(_per_member_sq_norm(params).sqrt())
        out["distance_from_init"] = _np(
            _per_member_sq_norm([p - q for p, q in zip(params, init)]).sqrt())
    return out
