"""The edge-of-stability summary of a sharpness trajectory (Cohen et al. 2021).

Per member, from `track_sharpness`:
- max_sharpness: the largest measured λ_max;
- initial_sharpness: λ_max at step 0;
- sharpness_ratio_late: median of λ_max / (2/η) over the measurements in the last
  `late_fraction` of training (≈ 1 at the edge of stability; < 1 when GD stays stable);
- steps_to_edge: the first measured step with λ_max ≥ 0.9 · 2/η (−1 if never);
- loss_increase_fraction: the fraction of steps t with L_{t+1} > L_t (non-monotone descent);
- final_loss: the training loss at the last step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from riskscope.analyses.curvature.records import SharpnessTrajectory


@dataclass(frozen=True)
class EdgeOfStabilitySummary:
    max_sharpness: float
    initial_sharpness: float
    threshold: float
    sharpness_ratio_late: float
    steps_to_edge: int
    loss_increase_fraction: float
    final_loss: float

    def to_dict(self) -> dict:
        return asdict(self)


def summarize_member(traj: SharpnessTrajectory, i: int, late_fraction: float = 0.25
                     ) -> EdgeOfStabilitySummary:
    s = traj.sharpness[:, i]
    steps = traj.measured_steps
    threshold = float(traj.threshold[i])
    finite = np.isfinite(s)
    total = traj.record.steps
    late = finite & (steps >= (1 - late_fraction) * total)
    ratio = float(np.median(s[late]) / threshold) if late.any() else float("nan")
    near = np.flatnonzero(finite & (s >= 0.9 * threshold))
    losses = traj.record.losses[:, i]
    diffs = np.diff(losses)
    valid = np.isfinite(diffs)
    increases = float(np.mean(diffs[valid] > 0)) if valid.any() else float("nan")
    finite_losses = losses[np.isfinite(losses)]
    return EdgeOfStabilitySummary(
        max_sharpness=float(np.max(s[finite])) if finite.any() else float("nan"),
        initial_sharpness=float(s[0]) if finite[0] else float("nan"),
        threshold=threshold,
        sharpness_ratio_late=ratio,
        steps_to_edge=int(steps[near[0]]) if near.size else -1,
        loss_increase_fraction=increases,
        final_loss=float(finite_losses[-1]) if finite_losses.size else float("nan"),
    )
