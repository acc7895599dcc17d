"""Sharpness of one network, against the stability threshold 2/η.

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

import torch

from riskscope.probes.estimators.lanczos import lanczos_top_eigenvalues
from riskscope.probes.linops.hessian import HessianOperator
from riskscope.tasks.base import Metric


def member_sharpness(model, x: torch.Tensor, y: torch.Tensor, loss: Metric,
                     v0: torch.Tensor | None = None, tol: float = 1e-3,
                     rng: int = 0) -> tuple[float, torch.Tensor, int]:
    """(λ_max of the Hessian of the mean loss, its eigenvector, products used)."""
    op = HessianOperator(model, (x, y), loss, check_deterministic=False)
    result = lanczos_top_eigenvalues(op, 1, tol=tol, rng=rng, v0=v0, return_eigenvectors=True)
    return float(result.eigenvalues[0]), result.eigenvectors[:, 0], result.num_products
