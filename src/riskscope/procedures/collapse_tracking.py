"""Train an ensemble while recording neural collapse NC1–NC4 on its training set.

Papyan, Han & Donoho 2020 measure the last-layer features of the *training* set at many
epochs, well into the terminal phase of training (after the training error has reached 0).
`CollapseRecorder` is a recorder of the one trainer (`training.train_ensemble`) called at the
trainer's own log-spaced steps (and at the end), so its series line up with the trainer's
`train_*`/`test_*` series. At each of its steps, for every member i, on the member's training
set (shared [n, d] or its own [M, n, d]):

- the penultimate features h and the readout (W, b) (`probes.features.last_layer`), in eval
  mode;
- NC1–NC4, NC2's cosine spread and classifier equinorm (`probes.features.neural_collapse`,
  float64);
- `train_error`: the 0-1 error of h Wᵀ + b on the training set (the network's own training
  error, from the same forward pass; it defines the terminal phase);
- `feature_norm`: the mean norm of the centred class means, mean_c ‖μ_c − μ_G‖ (Papyan et al.
  note the means grow during the terminal phase; NC1 is scale-free, this is not).
A member whose parameters are not finite (diverged) gets NaN from then on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from riskscope.probes.features.last_layer import readout_features, readout_parameters
from riskscope.probes.features.neural_collapse import neural_collapse
from riskscope.tasks.base import Dataset
from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches
from riskscope.training.log_steps import log_spaced_steps
from riskscope.training.recorders import RecordAt, Recorder
from riskscope.training.trainer import LossSpec, train_ensemble
from riskscope.training.trajectory import Trajectory

__all__ = ["COLLAPSE_SERIES", "CollapseRecorder", "CollapseRun", "member_collapse",
           "train_with_collapse"]

#: the recorder's series, in order
COLLAPSE_SERIES = ("nc1", "nc2_equinorm", "nc2_equiangular", "nc2_cosine_std",
                   "nc2_classifier_equinorm", "nc3", "nc4", "train_error", "feature_norm")


def member_collapse(features: torch.Tensor, labels: torch.Tensor, weight: torch.Tensor,
                    bias: torch.Tensor | None, num_classes: int) -> dict[str, float]:
    """Every `COLLAPSE_SERIES` value of one member: features [n, p], labels [n], W [C, p],
    b [C]; NaN throughout when the member's features or readout are not finite."""
    finite = bool(torch.isfinite(features).all() and torch.isfinite(weight).all()
                  and (bias is None or torch.isfinite(bias).all()))
    if not finite:
        return dict.fromkeys(COLLAPSE_SERIES, float("nan"))
    nc = neural_collapse(features, labels, weight, bias, num_classes).to_dict()
    h = features.double()
    logits = h @ weight.double().T + (0 if bias is None else bias.double())
    nc["train_error"] = float((logits.argmax(1) != labels).double().mean())
    means = torch.stack([h[labels == c].mean(0) for c in range(num_classes)])
    nc["feature_norm"] = float((means - means.mean(0)).norm(dim=1).mean())
    return {name: float(nc[name]) for name in COLLAPSE_SERIES}


class CollapseRecorder(Recorder):
    """`member_collapse` of every member on its training set at the given steps."""

    def __init__(self, steps: set[int], train: Dataset, num_classes: int):
        self.at = RecordAt(steps=tuple(sorted(steps)))
        self.train, self.num_classes = train, num_classes
        self.steps: list[int] = []
        self.rows: list[list[dict[str, float]]] = []     # [step][member]

    def record(self, ensemble, step: int, active: torch.Tensor) -> None:
        h = readout_features(ensemble, self.train.x)       # [M, n, p]
        w, b = readout_parameters(ensemble)
        y = self.train.y
        self.steps.append(step)
        self.rows.append([
            member_collapse(h[i], y if y.dim() == 1 else y[i], w[i],
                            None if b is None else b[i], self.num_classes)
            for i in range(h.shape[0])])

    def finalize(self) -> dict[str, np.ndarray]:
        """name → [T, M] float64, plus `steps` [T]."""
        out = {name: np.array([[m[name] for m in row] for row in self.rows], dtype=np.float64)
               for name in COLLAPSE_SERIES}
        out["steps"] = np.array(self.steps, dtype=np.int64)
        return out


@dataclass
class CollapseRun:
    """The trainer's trajectory and the collapse series (name → [T, M]) at `steps`."""

    trajectory: Trajectory
    steps: list[int]
    series: dict[str, np.ndarray]


def train_with_collapse(ensemble, train: Dataset, eval_data: Dataset | None,
                        config: TrainingConfig, lr: torch.Tensor, weight_decay: torch.Tensor,
                        batch_seeds: list[int], num_classes: int,
                        losses: LossSpec | None = None,
                        progress: Callable[[int], None] | None = None) -> CollapseRun:
    """Train `ensemble` on `train` (mini-batches of `config.batch_size`) and record NC1–NC4
    at the trainer's log-spaced steps and at the end (`losses`: cross-entropy and 0-1 error
    unless given)."""
    steps = set(log_spaced_steps(config.steps, config.log_points)) | {config.steps}
    recorder = CollapseRecorder(steps, train, num_classes)
    batches = FixedBatches(train, ensemble.num_members, config.batch_size, batch_seeds)
    losses = losses or LossSpec("cross_entropy", "zero_one")
    traj = train_ensemble(ensemble, losses, batches, config, lr, weight_decay,
                          eval_data=eval_data, progress=progress, recorders=[recorder])
    series = traj.recorded[0]
    return CollapseRun(traj, [int(s) for s in series.pop("steps")], series)
