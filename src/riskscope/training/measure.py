"""Metrics of every member at one step: losses and risks, gradient and weight norms.

train_*: on the whole fixed training set (online mode: the last batch's loss only).
test_*:  on the fixed evaluation sample drawn from the population (or the task's held-out set).
grad_norm: ‖∇θ L̂‖₂ of the training loss on the whole training set.
weight_norm: ‖θ‖₂; distance_from_init: ‖θ − θ₀‖₂ (all layers, raw parameters).

`loss_and_grads` is the one place that differentiates the members' mean losses; the trainer
uses it too. An `MLPEnsemble` takes its fused path (`train_forward`/`train_backward`): the
squared-error gradient at the output in closed form, other losses by autograd on the output
alone, then the ensemble's hand-written backward. Other ensembles go through autograd.
"""

from __future__ import annotations

import numpy as np
import torch

from riskscope.models.ensemble import MLPEnsemble
from riskscope.tasks.base import Dataset, Metric, pointwise_loss


def _has_fused_step(ensemble) -> bool:
    """An MLPEnsemble whose forward is the stock one (a subclass may compute something else)."""
    return isinstance(ensemble, MLPEnsemble) and type(ensemble).forward is MLPEnsemble.forward


def loss_and_grads(ensemble, loss: Metric, x: torch.Tensor, y: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """(detached outputs [M, B, out], mean losses [M], gradients of Σ_i loss_i w.r.t.
    `stacked_parameters()`). With the fast path the outputs and gradients are reused buffers,
    valid until the ensemble's next `train_forward`/`train_backward`."""
    if not _has_fused_step(ensemble):
        output = ensemble(x)
        loss_m = pointwise_loss(loss, output, y).mean(-1)
        grads = torch.autograd.grad(loss_m.sum(), ensemble.stacked_parameters())
        return output.detach(), loss_m.detach(), list(grads)
    output = ensemble.train_forward(x)
    if loss == "squared_error":  # mean_b Σ_o r²: gradient 2 r / B
        r = output - y
        loss_m = r.pow(2).sum(-1).mean(-1)
        grad_output = r.mul_(2 / r.shape[-2])
    else:
        with torch.enable_grad():
            leaf = output.detach().requires_grad_()
            loss_m = pointwise_loss(loss, leaf, y).mean(-1)
            (grad_output,) = torch.autograd.grad(loss_m.sum(), leaf)
        loss_m = loss_m.detach()
    return output, loss_m, ensemble.train_backward(grad_output)


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
        output, loss_m, grads = loss_and_grads(ensemble, loss, train.x, train.y)
        out["train_loss"] = _np(loss_m)
        out["grad_norm"] = _np(_per_member_sq_norm(grads).sqrt())
        if risk != loss:
            out["train_risk"] = _np(pointwise_loss(risk, output, train.y).mean(-1))
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
