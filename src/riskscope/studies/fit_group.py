"""Train one group of trials as one ensemble: the shared first half of most studies.

Data: trials with equal data seeds share their training set (one tensor, broadcast); other
members get their own set (stacked [M, n, d]). The evaluation sample is fixed per task (seeded
by the task's spec), so every trial on one task is measured on the same points whatever group
it ran in. Online trials share one fresh-sample stream per group (see group_trials).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from riskscope.core.rng import derive_seed, torch_generator
from riskscope.models.ensemble import MLPEnsemble
from riskscope.studies.canonical import canonical_json
from riskscope.studies.study import GroupContext
from riskscope.studies.trial import Trial
from riskscope.tasks.base import Dataset, Task
from riskscope.training.data_source import FixedBatches, OnlineBatches
from riskscope.training.trainer import LossSpec, train_ensemble
from riskscope.training.trajectory import Trajectory


@dataclass
class FittedGroup:
    task: Task
    ensemble: MLPEnsemble
    trajectory: Trajectory
    train_data: Dataset | None
    eval_data: Dataset


def eval_seed(task_params: dict) -> int:
    return derive_seed(0, "eval", canonical_json(task_params))


def evaluation_sample(task: Task, trial: Trial, device: torch.device) -> Dataset:
    if task.finite:
        return task.holdout().to(device)
    n = trial.section("data")["eval_samples"]
    return task.sample(n, torch_generator(eval_seed(trial.section("task")))).to(device)


def training_data(task: Task, trials: list[Trial], device: torch.device) -> Dataset:
    n = trials[0].section("data")["n_train"]
    cache: dict[int, Dataset] = {}
    for t in trials:
        if t.training_set_seed not in cache:
            cache[t.training_set_seed] = task.sample(n, torch_generator(t.training_set_seed))
    if len(cache) == 1:
        return next(iter(cache.values())).to(device)
    sets = [cache[t.training_set_seed] for t in trials]
    return Dataset(torch.stack([s.x for s in sets]), torch.stack([s.y for s in sets])).to(device)


def fit_group(trials: list[Trial], ctx: GroupContext) -> FittedGroup:
    task = trials[0].task()
    config = trials[0].training()
    device = ctx.device
    ensemble = MLPEnsemble.from_seeds(trials[0].model_spec(task), [t.init_seed for t in trials],
                                      device=device)
    if config.online:
        batches = OnlineBatches(task.sample, config.batch_size,
                                derive_seed(trials[0].data_seed, "stream"), device)
        train = None
    else:
        train = training_data(task, trials, device)
        batches = FixedBatches(train, len(trials), config.batch_size,
                               [t.batch_seed for t in trials])
    lr = torch.tensor([t.section("training")["lr"] for t in trials], device=device)
    wd = torch.tensor([t.section("training")["weight_decay"] for t in trials], device=device)
    eval_data = evaluation_sample(task, trials[0], device)
    trajectory = train_ensemble(ensemble, LossSpec(task.training_loss, task.default_metric),
                                batches, config, lr, wd, eval_data=eval_data,
                                progress=ctx.progress)
    return FittedGroup(task, ensemble, trajectory, train, eval_data)
