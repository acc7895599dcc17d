"""Track sharpness along full-batch gradient descent (see analyses.curvature.sharpness).

Runs `run_gradient_descent` (the trainer) and measures every member's sharpness by Lanczos
every k steps, warm-started from its previous top eigenvector.
"""

from __future__ import annotations

import numpy as np
import torch

from riskscope.analyses.curvature.records import SharpnessTrajectory
from riskscope.analyses.curvature.sharpness import member_sharpness
from riskscope.procedures.gradient_descent import run_gradient_descent
from riskscope.tasks.base import Metric, pointwise_loss


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
