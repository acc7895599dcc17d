"""Train an ensemble while recording grokking progress measures at log-spaced steps.

Grokking needs the embedding and the logits at each logged step: a recorder of the one
trainer (`training.train_ensemble`), called at the trainer's own log-spaced steps, so the
`train_*`/`test_*`/`weight_norm` series are the trainer's, and the recorder adds:

- `fourier_concentration` (share of the embedding's power in its `top_k` frequencies) and
  `neuron_fourier_concentration` (per neuron, its strongest frequency's share, averaged),
- `restricted_loss`, `excluded_loss` (modular addition only; Nanda et al. 2023),
all defined in `riskscope.probes.grokking`. A member whose loss turns non-finite is frozen as
diverged, as everywhere in the trainer (the former loop kept stepping it; grokking runs at
these sizes do not diverge in practice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from riskscope.probes.grokking import (
    fourier_concentration,
    key_frequencies,
    neuron_fourier_concentration,
    restricted_and_excluded_loss,
)
from riskscope.tasks.base import Dataset
from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches
from riskscope.training.log_steps import log_spaced_steps
from riskscope.training.recorders import RecordAt, Recorder
from riskscope.training.trainer import LossSpec, train_ensemble

Embedding = Callable[[], torch.Tensor]   # → [M, p, d], the operand-a embedding of each member


@dataclass
class ProgressRun:
    steps: list[int]
    metrics: dict[str, np.ndarray]       # name → [T, M]
    wall_s: float


def _progress_measures(ensemble, embedding: Embedding, table: Dataset, sums: torch.Tensor | None,
                       train_mask: torch.Tensor, top_k: int) -> dict[str, np.ndarray]:
    with torch.no_grad():
        emb = embedding()
        out = {"fourier_concentration": fourier_concentration(emb, top_k).cpu().numpy(),
               "neuron_fourier_concentration": neuron_fourier_concentration(emb).cpu().numpy()}
        if sums is not None:
            logits = ensemble(table.x)
            keys = key_frequencies(emb, top_k)
            restricted, _ = restricted_and_excluded_loss(logits, sums, keys)
            _, excluded = restricted_and_excluded_loss(logits[:, train_mask], sums[train_mask],
                                                       keys)
            out["restricted_loss"] = restricted.cpu().numpy()
            out["excluded_loss"] = excluded.cpu().numpy()
    return out


class ProgressRecorder(Recorder):
    """The progress measures (`_progress_measures`) at the given steps, as a recorder."""

    def __init__(self, steps: set[int], embedding: Embedding, table: Dataset,
                 sums: torch.Tensor | None, train_mask: torch.Tensor, top_k: int):
        self.at = RecordAt(steps=tuple(sorted(steps)))
        self._args = (embedding, table, sums, train_mask, top_k)
        self.rows: list[dict[str, np.ndarray]] = []

    def record(self, ensemble, step: int, active: torch.Tensor) -> None:
        self.rows.append(_progress_measures(ensemble, *self._args))

    def finalize(self) -> dict[str, np.ndarray]:
        return {name: np.stack([np.asarray(r[name], dtype=float) for r in self.rows])
                for name in (self.rows[0] if self.rows else {})}


def train_with_progress(ensemble, embedding: Embedding, train: Dataset, test: Dataset,
                        config: TrainingConfig, lr: torch.Tensor, weight_decay: torch.Tensor,
                        batch_seeds: list[int], sums_of: Callable[[torch.Tensor], torch.Tensor]
                        | None, top_k: int = 5,
                        progress: Callable[[int], None] | None = None) -> ProgressRun:
    """Train `ensemble` (MLPEnsemble or FunctionalEnsemble) on `train`, measure on `test`.

    sums_of: x → a + b mod p (for restricted/excluded loss), or None to skip them.
    The trainer (`train_ensemble`) records its metrics at its log-spaced steps and the end;
    a `ProgressRecorder` adds the progress measures at the same steps.
    """
    table = Dataset(torch.cat([train.x, test.x]), torch.cat([train.y, test.y]))
    train_mask = torch.arange(len(table)) < len(train)
    sums = None if sums_of is None else sums_of(table.x)
    log_at = set(log_spaced_steps(config.steps, config.log_points)) | {config.steps}
    recorder = ProgressRecorder(log_at, embedding, table, sums, train_mask, top_k)
    batches = FixedBatches(train, ensemble.num_members, config.batch_size, batch_seeds)
    traj = train_ensemble(ensemble, LossSpec("cross_entropy", "zero_one"), batches, config,
                          lr, weight_decay, eval_data=test, progress=progress,
                          recorders=[recorder])
    metrics = dict(traj.metrics)
    metrics.update(traj.recorded[0])
    return ProgressRun(steps=list(traj.steps), metrics=metrics, wall_s=traj.wall_s)
