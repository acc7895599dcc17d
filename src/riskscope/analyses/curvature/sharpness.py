"""Sharpness along full-batch gradient descent, against the stability threshold 2/η.

Sharpness S(θ) = λ_max(∇²L(θ)), the top Hessian eigenvalue of the **full training loss** L
that gradient descent follows (Cohen et al. 2021). On a quadratic, GD with step η diverges
along the top eigenvector once S > 2/η; on networks, S rises during training ("progressive
sharpening") until it reaches 2/η and then hovers at or just above it while the loss keeps
falling non-monotonically (the "edge of stability").

Convention: riskscope's squared error has no ½, so S here is twice the sharpness of the
½-convention loss of Cohen et al.; the threshold 2/η is stated for the loss that GD follows,
so S vs 2/η means the same in both conventions (η here acts like 2η there).

Each member of the ensemble is measured alone via `ensemble.member(i)` with Lanczos on its
Hessian (`HessianOperator`), warm-started from that member's previous top eigenvector.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from riskscope.analyses.curvature.gradient_descent import (
    GradientDescentRecord,
    run_gradient_descent,
)
from riskscope.probes.estimators.lanczos import lanczos_top_eigenvalues
from riskscope.probes.linops.hessian import HessianOperator
from riskscope.tasks.base import Metric


@dataclass
class SharpnessTrajectory:
    """measured_steps [K]; sharpness [K, M] (NaN after divergence); lr [M]; the GD record
    (every step's loss); products: Hessian–vector products spent on the measurements."""

    measured_steps: np.ndarray
    sharpness: np.ndarray
    lr: np.ndarray
    record: GradientDescentRecord
    products: int = 0
    info: dict = field(default_factory=dict)

    @property
    def threshold(self) -> np.ndarray:
        """2/η per member."""
        return 2.0 / self.lr


def member_sharpness(model, x: torch.Tensor, y: torch.Tensor, loss: Metric,
                     v0: torch.Tensor | None = None, tol: float = 1e-3,
                     rng: int = 0) -> tuple[float, torch.Tensor, int]:
    """(λ_max of the Hessian of the mean loss, its eigenvector, products used)."""
    op = HessianOperator(model, (x, y), loss, check_deterministic=False)
    result = lanczos_top_eigenvalues(op, 1, tol=tol, rng=rng, v0=v0, return_eigenvectors=True)
    return float(result.eigenvalues[0]), result.eigenvectors[:, 0], result.num_products


def track_sharpness(ensemble, x: torch.Tensor, y: torch.Tensor, loss: Metric,
                    lr: torch.Tensor, steps: int, every: int, *, tol: float = 1e-3,
                    rng: int = 0, progress=None) -> SharpnessTrajectory:
    """Full-batch GD for `steps` steps, measuring every member's sharpness every `every` steps.

    x [n, d] shared or [M, n, d] per member; y the targets in the form `loss` expects (float
    [.., n, O] for the squared error — one-hot for classification, as in Cohen et al. — or
    class indices for cross-entropy). progress: called with steps done.
    """
    measured: list[int] = []
    rows: list[np.ndarray] = []
    vectors: dict[int, torch.Tensor] = {}
    products = 0

    def measure(step: int, active: torch.Tensor) -> None:
        nonlocal products
        row = np.full(ensemble.num_members, np.nan)
        for i in active.nonzero().flatten().tolist():
            xi, yi = (x, y) if x.dim() == 2 else (x[i], y[i])
            value, vec, used = member_sharpness(ensemble.member(i), xi, yi, loss,
                                                vectors.get(i), tol, rng)
            row[i], vectors[i] = value, vec
            products += used
        measured.append(step)
        rows.append(row)

    record = run_gradient_descent(ensemble, x, y, loss, lr, steps, every=every,
                                  callback=measure, progress=progress)
    return SharpnessTrajectory(np.asarray(measured), np.stack(rows),
                               lr.double().cpu().numpy(), record, products)
