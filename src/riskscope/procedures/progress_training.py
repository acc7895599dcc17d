"""Train an ensemble while recording grokking progress measures at log-spaced steps.

The shared trainer (`training.train_ensemble`) returns metrics only; grokking needs the
embedding and the logits at each logged step. This loop uses the same pieces (FixedBatches,
`loss_and_grads`, `measure_ensemble`, BatchedOptimizer, Schedule, log-spaced steps), so its
`train_*`/`test_*`/`weight_norm` series mean exactly what the trainer's do, and adds:

- `fourier_concentration` (share of the embedding's power in its `top_k` frequencies) and
  `neuron_fourier_concentration` (per neuron, its strongest frequency's share, averaged),
- `restricted_loss`, `excluded_loss` (modular addition only; Nanda et al. 2023),
all defined in `riskscope.probes.grokking`. Members whose loss turns non-finite keep being
stepped (their series show NaN); grokking runs at these sizes do not diverge in practice.
"""

from __future__ import annotations

import time
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
from riskscope.training.measure import loss_and_grads, measure_ensemble
from riskscope.training.optimizers import BatchedOptimizer, OptimizerConfig
from riskscope.training.schedules import Schedule

Embedding = Callable[[], torch.Tensor]   # → [M, p, d], the operand-a embedding of each member


@dataclass
class ProgressRun:
    steps: list[int]
    metrics: dict[str, np.ndarray]       # name → [T, M]
    wall_s: float


def _optimizer(params, config: TrainingConfig, lr, wd) -> BatchedOptimizer:
    name = "sgd" if config.optimizer == "gd" else config.optimizer
    oc = OptimizerConfig(name=name, momentum=config.momentum, nesterov=config.nesterov,
                         beta1=config.beta1, beta2=config.beta2, eps=config.eps)
    return BatchedOptimizer(params, oc, lr, wd)


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


def train_with_progress(ensemble, embedding: Embedding, train: Dataset, test: Dataset,
                        config: TrainingConfig, lr: torch.Tensor, weight_decay: torch.Tensor,
                        batch_seeds: list[int], sums_of: Callable[[torch.Tensor], torch.Tensor]
                        | None, top_k: int = 5,
                        progress: Callable[[int], None] | None = None) -> ProgressRun:
    """Train `ensemble` (MLPEnsemble or FunctionalEnsemble) on `train`, measure on `test`.

    sums_of: x → a + b mod p (for restricted/excluded loss), or None to skip them.
    """
    start = time.perf_counter()
    params = ensemble.stacked_parameters()
    init = [p.detach().clone() for p in params]
    batches = FixedBatches(train, ensemble.num_members, config.batch_size, batch_seeds)
    optimizer = _optimizer(params, config, lr, weight_decay)
    schedule = Schedule(kind=config.schedule, total_steps=config.steps,
                        final_factor=config.final_lr_factor, step_size=config.step_size,
                        gamma=config.gamma, warmup_steps=config.warmup_steps)
    table = Dataset(torch.cat([train.x, test.x]), torch.cat([train.y, test.y]))
    train_mask = torch.arange(len(table)) < len(train)
    sums = None if sums_of is None else sums_of(table.x)
    log_at = set(log_spaced_steps(config.steps, config.log_points)) | {config.steps}
    records: dict[str, list[np.ndarray]] = {}
    steps: list[int] = []
    last = torch.full((ensemble.num_members,), float("nan"))
    for step in range(config.steps + 1):
        if step in log_at:
            values = measure_ensemble(ensemble, "cross_entropy", "zero_one", batches, test,
                                      init, last)
            values.update(_progress_measures(ensemble, embedding, table, sums, train_mask,
                                             top_k))
            values["lr"] = (lr * schedule.factor(step)).double().cpu().numpy()
            for name, v in values.items():
                records.setdefault(name, []).append(np.asarray(v, dtype=float))
            steps.append(step)
        if step == config.steps:
            break
        batch = batches.next()
        _, last, grads = loss_and_grads(ensemble, "cross_entropy", batch.x, batch.y)
        optimizer.step(grads, schedule.factor(step))
        if progress is not None and (step + 1) % 100 == 0:
            progress(100)
    if progress is not None:
        progress(config.steps % 100)
    metrics = {name: np.stack(rows) for name, rows in records.items()}
    return ProgressRun(steps=steps, metrics=metrics, wall_s=time.perf_counter() - start)
