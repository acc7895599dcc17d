"""The exact minimum of a ridge-regularized least-squares training objective.

For a model linear in its parameters Θ [p, out] with fixed features Φ [n, p] (the `linear`
family: Φ = the first k inputs, plus a column of ones with an output bias), riskscope's
training objective with weight decay λ is

    J(Θ) = (1/n) ‖Y − Φ Θ‖_F² + (λ/2) ‖Θ‖_F²

(mean over examples of the squared error summed over outputs, no ½; every parameter decayed,
as the trainer's coupled weight decay does). Its minimum is computed in float64 by least
squares on the augmented system [Φ; √(nλ/2) I] Θ = [Y; 0] (`torch.linalg.lstsq`, minimum-norm
when λ = 0 and Φ is rank deficient) and then J is evaluated at the solution: an attained
value, exact up to float64 rounding (so the lower and upper bounds coincide).
"""

from __future__ import annotations

import math

import torch

__all__ = ["least_squares_minimum"]


def least_squares_minimum(features: torch.Tensor, targets: torch.Tensor,
                          weight_decay: float = 0.0) -> tuple[float, torch.Tensor]:
    """(min J, the minimizer Θ [p, out]) for features [n, p] and targets [n, out]."""
    phi = features.detach().double().cpu()
    y = targets.detach().double().cpu().reshape(len(phi), -1)
    n, p = phi.shape
    if weight_decay > 0:
        phi_aug = torch.cat([phi, math.sqrt(n * weight_decay / 2) * torch.eye(p,
                                                                        dtype=torch.float64)])
        y_aug = torch.cat([y, torch.zeros(p, y.shape[1], dtype=torch.float64)])
    else:
        phi_aug, y_aug = phi, y
    theta = torch.linalg.lstsq(phi_aug, y_aug, driver="gelsd").solution
    value = (y - phi @ theta).pow(2).sum(1).mean() + 0.5 * weight_decay * theta.pow(2).sum()
    return float(value), theta
