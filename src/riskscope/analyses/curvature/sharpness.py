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
from riskscope.tasks.base import Metric, pointwise_loss


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


def member_sharpness(model, x: torch.Tensor, y: torch.Tensor, loss: Metric,
                     v0: torch.Tensor | None = None, tol: float = 1e-3,
                     rng: int = 0) -> tuple[float, torch.Tensor, int]:
    """(λ_max of the Hessian of the mean loss, its eigenvector, products used)."""
    op = HessianOperator(model, (x, y), loss, check_deterministic=False)
    result = lanczos_top_eigenvalues(op, 1, tol=tol, rng=rng, v0=v0, return_eigenvectors=True)
    return float(result.eigenvalues[0]), result.eigenvectors[:, 0], result.num_products


def _errors(output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """0-1 error per member: argmax of the output against the class (or one-hot argmax)."""
    labels = y.argmax(-1) if y.dtype.is_floating_point else y
    return (output.argmax(-1) != labels).double().mean(-1)


def track_sharpness(ensemble, x: torch.Tensor, y: torch.Tensor, loss: Metric,
                    lr: torch.Tensor, steps: int, every: int, *, tol: float = 1e-3,
                    rng: int = 0, progress=None,
                    eval_data: tuple[torch.Tensor, torch.Tensor] | None = None,
                    zero_one: bool = False) -> SharpnessTrajectory:
    """Full-batch GD for `steps` steps, measuring every member's sharpness every `every` steps.

    x [n, d] shared or [M, n, d] per member; y the targets in the form `loss` expects (float
    [.., n, O] for the squared error — one-hot for classification, as in Cohen et al. — or
    class indices for cross-entropy). progress: called with steps done.
    eval_data: (x, y) of a held-out sample (shared, y in the same form), evaluated at every
    measurement (`test_loss`); zero_one: also the 0-1 training and test errors.
    """
    measured: list[int] = []
    rows: list[np.ndarray] = []
    vectors: dict[int, torch.Tensor] = {}
    evaluations: dict[str, list[np.ndarray]] = {}
    products = 0

    def evaluate(active: torch.Tensor) -> None:
        values = {}
        with torch.no_grad():
            if eval_data is not None:
                out = ensemble(eval_data[0])
                values["test_loss"] = pointwise_loss(loss, out, eval_data[1]).mean(-1)
                if zero_one:
                    values["test_error"] = _errors(out, eval_data[1])
            if zero_one:
                values["train_error"] = _errors(ensemble(x), y)
        for name, v in values.items():
            v = torch.where(active, v.double(), float("nan"))
            evaluations.setdefault(name, []).append(v.cpu().numpy())

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
        evaluate(active)

    record = run_gradient_descent(ensemble, x, y, loss, lr, steps, every=every,
                                  callback=measure, progress=progress)
    return SharpnessTrajectory(np.asarray(measured), np.stack(rows),
                               lr.double().cpu().numpy(), record, products,
                               evaluations={k: np.stack(v) for k, v in evaluations.items()})
