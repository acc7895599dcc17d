"""What full-batch gradient descent with sharpness tracking produces (plain data).

Made by `riskscope.procedures.gradient_descent` and `riskscope.procedures.sharpness_tracking`;
read by the analyses (edge-of-stability summaries, rate fits), which never train.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class GradientDescentRecord:
    """losses, grad_norm_sq: [steps + 1, M] at every step before its update (row `steps` is
    the end); diverged: [M]; diverged_at: [M] step of divergence (−1 if none)."""

    losses: np.ndarray
    grad_norm_sq: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray

    @property
    def steps(self) -> int:
        return self.losses.shape[0] - 1



@dataclass
class SharpnessTrajectory:
    """measured_steps [K]; sharpness [K, M] (NaN after divergence); lr [M]; the GD record
    (every step's loss); products: Hessian–vector products spent on the measurements;
    evaluations: name → [K, M] at the measured steps (`test_loss`, and with `zero_one`
    `train_error` / `test_error`: the argmax disagreeing with the target's argmax)."""

    measured_steps: np.ndarray
    sharpness: np.ndarray
    lr: np.ndarray
    record: GradientDescentRecord
    products: int = 0
    info: dict = field(default_factory=dict)
    evaluations: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def threshold(self) -> np.ndarray:
        """2/η per member."""
        return 2.0 / self.lr
