"""Train an ensemble and measure hidden progress every few steps along the way.

Barak et al. (2022): on sparse parities the loss and accuracy sit at chance for a long time
while SGD makes "hidden progress": the Fourier gap of the network grows, the first-layer
weights move steadily (‖w_t − w_0‖₁) and concentrate on the secret support. This tracker
records, every `measure_every` steps and for every member: test accuracy and loss on a fixed
evaluation sample, the Fourier gap of the score z₁ − z₀ (exact or sampled, see
probes/features/fourier.py), the first layer's movement (ℓ1, relative ℓ2) and its alignment
with the hidden subspace (share of squared weight on S).

Training itself is one uninterrupted `riskscope.training.train_ensemble` run; the
measurements are its `on_step` hook (every `measure_every` steps, and at the end), which also
ends the run once every member has reached `stop_accuracy`. Optimizer state (momentum, Adam
moments) and schedules carry through, so any training configuration can be tracked. The test
loss is measured in the training loss (cross-entropy, or hinge when `config.loss` is hinge).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from riskscope.probes.features import (
    fourier_gap,
    logit_difference,
    subspace_alignment,
    weight_movement,
)
from riskscope.tasks.base import Dataset, pointwise_loss
from riskscope.training import LossSpec, TrainingConfig, train_ensemble


@dataclass
class HiddenProgress:
    """steps [T]; series[name] float64 [T, M]; fourier_method: how the gap was computed."""

    steps: list[int]
    series: dict[str, np.ndarray]
    fourier_method: str
    steps_run: int
    wall_s: float = 0.0
    extra: dict = field(default_factory=dict)

    def member_series(self, i: int) -> dict[str, tuple[list[int], list[float]]]:
        out = {}
        for name, values in self.series.items():
            keep = np.isfinite(values[:, i])
            out[name] = ([s for s, k in zip(self.steps, keep) if k], values[keep, i].tolist())
        return out


FOURIER_SERIES = ("fourier_gap", "support_coefficient", "max_other_coefficient")


@torch.no_grad()
def _measure(ensemble, eval_data: Dataset, basis, init_first, loss_name
             ) -> dict[str, np.ndarray]:
    out = ensemble(eval_data.x)
    acc = (out.argmax(-1) == eval_data.y).double().mean(-1)
    loss = pointwise_loss(loss_name, out, eval_data.y).double().mean(-1)
    first = ensemble.weights[0]
    move = weight_movement([first], [init_first])
    align = subspace_alignment(first, basis)
    return {
        "test_accuracy": acc.cpu().numpy(), "test_loss": loss.cpu().numpy(),
        "weight_movement_l1": move.l1, "weight_movement_relative": move.relative_l2,
        "support_alignment": align.mass_share,
    }


@torch.no_grad()
def _measure_fourier(ensemble, n_bits: int, support, fourier_kw
                     ) -> tuple[dict[str, np.ndarray], str]:
    gap = fourier_gap(logit_difference(ensemble), n_bits, support, **fourier_kw)
    return {"fourier_gap": gap.gap, "support_coefficient": np.abs(gap.support_coefficient),
            "max_other_coefficient": gap.max_other}, gap.method


def track_hidden_progress(ensemble, batches, config: TrainingConfig, lr: torch.Tensor,
                          weight_decay: torch.Tensor, eval_data: Dataset, support,
                          basis: torch.Tensor, measure_every: int, fourier_samples: int = 8192,
                          fourier_seed: int = 0, exact_max_bits: int = 16,
                          stop_accuracy: float | None = None,
                          progress=None, fourier_every: int = 0) -> HiddenProgress:
    """Train `ensemble` (two-logit classifier) for config.steps, measuring every
    `measure_every` steps (and at step 0 and at the end).

    stop_accuracy: stop once every member's test accuracy has reached it (None: never).
    fourier_every: the Fourier gap (the costly measure: C(n, k) coefficients) only every this
        many steps, and at step 0 and the last measurement; NaN in its series in between
        (0 = at every measurement).
    """
    start = time.perf_counter()
    init_first = ensemble.weights[0].detach().clone()
    fourier_kw = {"method": "auto", "num_samples": fourier_samples, "rng": fourier_seed,
                  "exact_max_bits": exact_max_bits}
    loss_name = "hinge" if config.loss == "hinge" else "cross_entropy"
    rows: dict[str, list[np.ndarray]] = {}
    steps: list[int] = []
    method = [""]
    n_bits = eval_data.x.shape[-1]

    def measure(step: int) -> bool:
        values = _measure(ensemble, eval_data, basis, init_first, loss_name)
        done = stop_accuracy is not None and bool(
            (values["test_accuracy"] >= stop_accuracy).all())
        last = done or step >= config.steps or step % measure_every != 0
        if not fourier_every or step % fourier_every == 0 or last:
            fourier, method[0] = _measure_fourier(ensemble, n_bits, support, fourier_kw)
        else:
            fourier = {name: np.full(ensemble.num_members, np.nan) for name in FOURIER_SERIES}
        values.update(fourier)
        steps.append(step)
        for name, v in values.items():
            rows.setdefault(name, []).append(np.asarray(v, dtype=np.float64))
        return done

    traj = train_ensemble(ensemble, LossSpec("cross_entropy", "zero_one"), batches,
                          config.model_copy(update={"log_points": 2}), lr, weight_decay,
                          progress=progress, on_step=measure, on_step_every=measure_every)
    series = {name: np.stack(v) for name, v in rows.items()}
    return HiddenProgress(steps, series, method[0], traj.steps_run, time.perf_counter() - start,
                          extra={"stop_reason": traj.stop_reason})
