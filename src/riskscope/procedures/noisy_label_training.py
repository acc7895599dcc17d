"""Train an MLP ensemble on a classification task whose training labels are partly wrong.

The epoch-wise and model-wise double-descent experiment of Nakkiran et al. 2019 on a small
scale: sample each member's training set (`training.fit.sample_training_sets`, shared when data
seeds are equal), corrupt `rate` of its labels (`label_noise.corrupt_labels`, drawn from the
member's data seed), train with the shared trainer on the noisy labels, and evaluate on a clean
test sample. `train_risk` in the trajectory is the error on the NOISY labels (what the network
fits: 0 = interpolation); the clean-label training error is returned separately.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from riskscope.analyses.dynamics.label_noise import corrupt_labels
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.families import build_ensemble
from riskscope.models.mlp_spec import MLPSpec
from riskscope.tasks.base import Dataset, Task
from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches
from riskscope.training.fit import MemberSeeds, sample_training_sets
from riskscope.training.trainer import LossSpec, train_ensemble
from riskscope.training.trajectory import Trajectory


@dataclass
class NoisyFit:
    ensemble: MLPEnsemble
    trajectory: Trajectory
    clean_train: Dataset            # [n, d] or [M, n, d] with the true labels
    noisy_labels: torch.Tensor      # [n] or [M, n]
    corrupted: torch.Tensor         # bool, same shape


def fit_with_label_noise(task: Task, spec: MLPSpec, config: TrainingConfig,
                         members: Sequence[MemberSeeds], n_train: int, rate: float,
                         eval_data: Dataset, device: torch.device | str = "cpu",
                         progress: Callable[[int], None] | None = None) -> NoisyFit:
    device = torch.device(device)
    clean = sample_training_sets(task, n_train, [m.data_seed for m in members], device)
    if clean.y.dim() == 1:
        noisy, mask = corrupt_labels(clean.y, task.output_dim, rate,
                                     torch_generator(derive_seed(members[0].data_seed, "noise")))
    else:
        rows = [corrupt_labels(clean.y[i], task.output_dim, rate,
                               torch_generator(derive_seed(m.data_seed, "noise")))
                for i, m in enumerate(members)]
        noisy, mask = torch.stack([r[0] for r in rows]), torch.stack([r[1] for r in rows])
    ensemble = build_ensemble(spec, [m.init_seed for m in members], device=device)
    batches = FixedBatches(Dataset(clean.x, noisy), len(members), config.batch_size,
                           [m.batch_seed for m in members])
    lr = torch.tensor([m.lr for m in members], device=device)
    wd = torch.tensor([m.weight_decay for m in members], device=device)
    trajectory = train_ensemble(ensemble, LossSpec(task.training_loss, task.default_metric),
                                batches, config, lr, wd, eval_data=eval_data.to(device),
                                progress=progress)
    return NoisyFit(ensemble, trajectory, clean, noisy, mask)
