"""Fit an ensemble on a task: sample the data, initialize the members, train them together.

The shared first half of most analyses and studies. Each member is described by its seeds
(initialization, minibatch order, training set) and its learning rate and weight decay.
Members with equal data seeds share one training set (broadcast, not copied); otherwise each
member gets its own set, stacked [M, n, d]. Online training draws one shared fresh stream.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from riskscope.core.rng import derive_seed, torch_generator
from riskscope.models.families import build_ensemble
from riskscope.tasks.base import Dataset, Task
from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches, OnlineBatches
from riskscope.training.trainer import LossSpec, train_ensemble
from riskscope.training.trajectory import Trajectory


@dataclass(frozen=True)
class MemberSeeds:
    """One member: init_seed draws its weights, batch_seed its minibatch order, data_seed its
    training set (or, in online mode, the shared stream: members of one fit share it)."""

    init_seed: int
    batch_seed: int
    data_seed: int
    lr: float
    weight_decay: float = 0.0

    @classmethod
    def from_trial_seeds(cls, seed: int, data_seed: int, lr: float, weight_decay: float = 0.0
                         ) -> MemberSeeds:
        """The convention of studies: trial seed s gives independent init and batch streams;
        the training set comes from the data seed (= s unless set apart)."""
        return cls(derive_seed(seed, "init"), derive_seed(seed, "batch"),
                   derive_seed(data_seed, "training-set"), lr, weight_decay)


@dataclass
class FittedEnsemble:
    task: Task
    ensemble: torch.nn.Module   # MLPEnsemble, StackedEnsemble or FunctionalEnsemble
    trajectory: Trajectory
    train_data: Dataset | None   # [n, d] shared or [M, n, d]; None in online mode
    eval_data: Dataset | None


def sample_training_sets(task: Task, n: int, data_seeds: Sequence[int],
                         device: torch.device | str = "cpu") -> Dataset:
    """The training set of each member: shared when all data seeds are equal, else stacked."""
    cache: dict[int, Dataset] = {}
    for s in data_seeds:
        if s not in cache:
            cache[s] = task.sample(n, torch_generator(s))
    if len(cache) == 1:
        return next(iter(cache.values())).to(device)
    sets = [cache[s] for s in data_seeds]
    return Dataset(torch.stack([d.x for d in sets]), torch.stack([d.y for d in sets])).to(device)


def fit_ensemble(task: Task, spec, config: TrainingConfig,
                 members: Sequence[MemberSeeds], n_train: int,
                 device: torch.device | str = "cpu", eval_data: Dataset | None = None,
                 progress: Callable[[int], None] | None = None) -> FittedEnsemble:
    """Train one ensemble of `members` on `task` (n_train samples each, unless online).
    spec: any family's spec (riskscope.models.families.model_spec)."""
    device = torch.device(device)
    ensemble = build_ensemble(spec, [m.init_seed for m in members], device=device)
    if config.online:
        stream_seed = derive_seed(members[0].data_seed, "stream")
        batches = OnlineBatches(task.sample, config.batch_size, stream_seed, device)
        train = None
    else:
        train = sample_training_sets(task, n_train, [m.data_seed for m in members], device)
        batches = FixedBatches(train, len(members), config.batch_size,
                               [m.batch_seed for m in members])
    lr = torch.tensor([m.lr for m in members], device=device)
    wd = torch.tensor([m.weight_decay for m in members], device=device)
    eval_data = None if eval_data is None else eval_data.to(device)
    trajectory = train_ensemble(ensemble, LossSpec(task.training_loss, task.default_metric),
                                batches, config, lr, wd, eval_data=eval_data, progress=progress)
    return FittedEnsemble(task, ensemble, trajectory, train, eval_data)
