"""Train an ensemble: every member in one batched step, metrics at log-spaced steps.

The one training path of riskscope: studies and procedures train through here, and what they
measure during training is a recorder (riskscope.training.recorders) called at its own steps.

Each member minimizes its own mean training loss; the step differentiates the sum over
members, which gives each member exactly its own gradient because members share nothing.
A member whose loss (or gradient) turns NaN/Inf is marked diverged and frozen where it is; a
member that reaches the target loss or interpolates is frozen as stopped; the rest go on.
Full-batch runs check the stopping rules on every step's batch; mini-batch runs on a fixed set
check them on the whole training set every `stop_check_every` steps (default once per epoch),
since a mini-batch's loss says little about the training loss (Jiang et al. 2020 stop at
cross-entropy 0.01 on the whole set).
The loss trained on is the caller's `LossSpec.loss` (the task's) unless `config.loss` is
"hinge" (two-class classifiers only). An optional `on_step(step)` hook sees the ensemble every
`on_step_every` steps of one uninterrupted run (optimizer state, momentum and schedules carry
through) and may end the run; measurements that need more than the trajectory go there.
Steps run in train mode; the ensemble is left in eval mode, ready to be measured.
A different objective (a PAC-Bayes bound over a distribution of weights, one plain module's
loss) is a `TrainingObjective` passed to the trainer (`riskscope.training.objective`): its
loss on each batch, its parameters and optionally its own torch optimizer replace the
members' mean loss, the stacked parameters and the batched optimizer; budget, batches,
divergence checks, recorders and the schedule are the same. The trainer then leaves the
module's train/eval mode to the caller and keeps no metrics of its own (recorders measure).
Metrics and whole-set stopping checks are measured in eval mode (`evaluation_mode`): batch norm
then uses its running statistics and the measurement leaves them untouched; training steps run
in train mode. On the CPU the run is bit-for-bit repeatable for fixed seeds (no
nondeterministic kernels).

Per step the loop costs one host sync (is the sum of the losses finite? only then are they all
checked), plus the stopping checks when a target loss or interpolation is set; whether every
member is still active is tracked on the host.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from riskscope.core.errors import SpecError
from riskscope.models.modes import evaluation_mode
from riskscope.tasks.base import Dataset, Metric, pointwise_loss
from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches, OnlineBatches
from riskscope.training.log_steps import log_spaced_steps
from riskscope.training.measure import loss_and_grads, measure_ensemble
from riskscope.training.objective import (
    TorchOptimizerStep,
    TrainingObjective,
    objective_and_grads,
)
from riskscope.training.optimizers import BatchedOptimizer, OptimizerConfig
from riskscope.training.recorders import Recorder
from riskscope.training.schedules import Schedule
from riskscope.training.trajectory import Trajectory


@dataclass
class LossSpec:
    """The training loss and the task's risk metric (0-1 error or squared error)."""

    loss: Metric
    risk: Metric


def _training_losses(losses: LossSpec, config: TrainingConfig) -> LossSpec:
    """The loss actually trained on: the caller's (the task's) unless `config.loss` is hinge."""
    if config.loss == "task":
        return losses
    if losses.risk != "zero_one":
        raise SpecError("training.loss", config.loss,
                        f"'task': the hinge loss needs a two-class classification task, and "
                        f"this run's risk is {losses.risk!r}")
    return LossSpec(config.loss, losses.risk)


def _optimizer(params, config: TrainingConfig, lr, weight_decay,
               objective: TrainingObjective | None = None
               ) -> BatchedOptimizer | TorchOptimizerStep:
    if objective is not None and objective.optimizer is not None:
        return TorchOptimizerStep(objective.optimizer, params)
    name = "sgd" if config.optimizer == "gd" else config.optimizer
    oc = OptimizerConfig(name=name, momentum=config.momentum, nesterov=config.nesterov,
                         beta1=config.beta1, beta2=config.beta2, eps=config.eps)
    return BatchedOptimizer(params, oc, lr, weight_decay)


def _schedule(config: TrainingConfig) -> Schedule:
    return Schedule(kind=config.schedule, total_steps=config.steps,
                    final_factor=config.final_lr_factor, step_size=config.step_size,
                    gamma=config.gamma, warmup_steps=config.warmup_steps)


def train_ensemble(ensemble: torch.nn.Module, losses: LossSpec | None,
                   batches: FixedBatches | OnlineBatches, config: TrainingConfig,
                   lr: torch.Tensor | None, weight_decay: torch.Tensor | None,
                   eval_data: Dataset | None = None,
                   progress: Callable[[int], None] | None = None,
                   on_step: Callable[[int], bool | None] | None = None,
                   on_step_every: int = 1, recorders: Sequence[Recorder] = (),
                   measure: bool = True, objective: TrainingObjective | None = None
                   ) -> Trajectory:
    """Run `config.steps` batched steps (or until every member has stopped).

    ensemble: any module with `num_members`, `stacked_parameters()` and forward x → [M, B, out].
    lr, weight_decay: float tensors [M] on the ensemble's device.
    progress: called with the number of steps done since its last call.
    on_step: called with the number of updates done, before the first update (0), after every
        `on_step_every` updates, and once at the step the run ended (each step at most once),
        with the ensemble's parameters as of that step. A true return ends the run there: the
        members still active stop with reason "requested" at that step.
    recorders: measurements at their own steps (see `riskscope.training.recorders`); their
        series are in `Trajectory.recorded`, one dict per recorder, in order.
    measure: False skips the trainer's own log-spaced metrics (when the recorders measure
        everything the caller needs); the trajectory then has no metrics.
    objective: train this instead of the members' mean loss (see the module docstring);
        `ensemble` is then the module the objective belongs to (what recorders are handed),
        `losses` is unused (None allowed), `measure` must be False, and with the objective's
        own torch optimizer `lr` and `weight_decay` are unused (None allowed).
    """
    if on_step_every < 1:
        raise ValueError(f"on_step_every must be at least 1; got {on_step_every}")
    if objective is not None:
        _check_objective_run(objective, config, measure, lr)
    else:
        losses = _training_losses(losses, config)
    start = time.perf_counter()
    if objective is None:
        ensemble.train()
        params = ensemble.stacked_parameters()
        M = ensemble.num_members
    else:
        params = objective.parameters
        M = objective.num_members
    device = params[0].device
    init = [p.detach().clone() for p in params] if measure else []
    optimizer = _optimizer(params, config, lr, weight_decay, objective)
    schedule = _schedule(config)
    log_at = log_spaced_steps(config.steps, config.log_points)
    records: dict[str, list[np.ndarray]] = {}
    active = torch.ones(M, dtype=torch.bool, device=device)
    num_active = M
    stop_step = np.full(M, config.steps)
    stop_reason = ["budget"] * M
    target = config.target_loss
    check_stop = target is not None or config.stop_on_interpolation
    check_every = 0  # mini-batch runs on a fixed set: whole-set checks every this many steps
    if check_stop and not batches.full_batch and batches.data is not None:
        check_every = config.stop_check_every or math.ceil(batches.n / batches.batch_size)
    last_batch_loss = torch.full((M,), math.nan, device=device)
    next_log = 0
    reported = 0
    step = 0
    hooked = -1   # the last step on_step saw
    record_steps = [r.at.step_set(config.steps) for r in recorders]
    recorded_last = [-1] * len(recorders)
    gradient_recorders = [r for r in recorders if r.wants_gradients]

    def call_recorders(at: int, end: bool = False) -> bool:
        requested = False
        for k, (r, steps_k) in enumerate(zip(recorders, record_steps)):
            if recorded_last[k] != at and (at in steps_k or (end and r.at.at_end)):
                recorded_last[k] = at
                requested = bool(r.record(ensemble, at, active)) or requested
        return requested

    def stop(mask: torch.Tensor, reason: str, at: int) -> None:
        nonlocal num_active
        newly = torch.nonzero(mask & active).flatten().tolist()
        for i in newly:
            stop_reason[i] = reason
            stop_step[i] = at
        active.logical_and_(~mask)
        num_active -= len(newly)

    def check_whole_set(at: int) -> None:
        data = batches.data
        with torch.no_grad(), evaluation_mode(ensemble):
            output = ensemble(data.x)
            loss_m = pointwise_loss(losses.loss, output, data.y).mean(-1)
        if target is not None:
            stop(loss_m <= target, "target_loss", at)
        if config.stop_on_interpolation:
            stop(_interpolated(losses, output, data.y, loss_m, config), "interpolated", at)

    def record(at: int) -> None:
        with evaluation_mode(ensemble):
            values = measure_ensemble(ensemble, losses.loss, losses.risk, batches, eval_data,
                                      init, last_batch_loss)
        values["lr"] = (lr * schedule.factor(at)).double().cpu().numpy()
        for name, v in values.items():
            v = np.where([r == "diverged" and s <= at for r, s in zip(stop_reason, stop_step)],
                         np.nan, v)
            records.setdefault(name, []).append(v)

    while step < config.steps:
        if measure and step == log_at[next_log]:
            record(step)
            next_log += 1
        if on_step is not None and step % on_step_every == 0:
            hooked = step
            if on_step(step):
                stop(torch.ones_like(active), "requested", step)
                break
        if recorders and call_recorders(step):
            stop(torch.ones_like(active), "requested", step)
            break
        batch = batches.next()
        if objective is None:
            output, loss_m, grads = loss_and_grads(ensemble, losses.loss, batch.x, batch.y)
        else:
            loss_m, grads = objective_and_grads(objective, batch)
        for r in gradient_recorders:
            bad = r.on_gradients(step, loss_m, grads, active)
            if bad is not None and bool(bad.any()):
                stop(bad, "diverged", step)
        last_batch_loss = loss_m
        if not math.isfinite(loss_m.sum().item()):  # one cheap check; exact one if it fails
            stop(~torch.isfinite(loss_m), "diverged", step)
        if check_stop and batches.full_batch:
            if target is not None:
                stop(loss_m <= target, "target_loss", step)
            if config.stop_on_interpolation:
                stop(_interpolated(losses, output, batch.y, loss_m, config), "interpolated", step)
        elif check_every and step > 0 and step % check_every == 0:
            check_whole_set(step)
        if num_active == 0:
            break
        optimizer.step(grads, schedule.factor(step), None if num_active == M else active)
        step += 1
        if progress is not None and (step % 25 == 0 or step == config.steps):
            progress(step - reported)
            reported = step
    if progress is not None and step > reported:
        progress(config.steps - reported)
    if on_step is not None and hooked != step:
        on_step(step)
    if recorders:
        call_recorders(step, end=True)
    steps_logged = list(log_at[:next_log])
    if measure and (not steps_logged or steps_logged[-1] != step):
        record(step)  # the end of the budget, or the step at which every member had stopped
        steps_logged.append(step)
    if objective is None:
        if hasattr(ensemble, "release_training_buffers"):
            ensemble.release_training_buffers()
        ensemble.eval()
    metrics = {name: np.stack(rows) for name, rows in records.items()}
    return Trajectory(steps=steps_logged, metrics=metrics, stop_step=stop_step,
                      stop_reason=stop_reason, wall_s=time.perf_counter() - start,
                      steps_run=step, recorded=[r.finalize() for r in recorders])


def _interpolated(losses: LossSpec, output, y, loss_m, config: TrainingConfig) -> torch.Tensor:
    if losses.risk == "zero_one":
        return (output.argmax(-1) == y).all(-1)
    return loss_m <= config.interpolation_tol


def _check_objective_run(objective: TrainingObjective, config: TrainingConfig, measure: bool,
                         lr: torch.Tensor | None) -> None:
    """What a run with an objective cannot do, refused before any step."""
    if measure:
        raise ValueError("the trainer's own metrics measure an ensemble's members: pass "
                         "measure=False with an objective and record what is needed with "
                         "recorders")
    if config.target_loss is not None or config.stop_on_interpolation:
        raise SpecError("training.target_loss" if config.target_loss is not None else
                        "training.stop_on_interpolation",
                        config.target_loss if config.target_loss is not None else True,
                        "no stopping rule with an objective (the rules read the members' "
                        "training loss and outputs)")
    if objective.optimizer is None and lr is None:
        raise ValueError("lr and weight_decay [M] are needed unless the objective brings its "
                         "own optimizer")
