"""First-layer weight measures: alignment with a hidden subspace, and movement from init.

Support / subspace alignment. For first-layer rows w_i ∈ R^d (neuron i) and an orthonormal
basis U [r, d] of the hidden subspace (the coordinate vectors of the secret support S for
parities and staircases, the directions w*_j for index models), the share of weight mass in
the subspace is

    A = Σ_i ‖U w_i‖² / Σ_i ‖w_i‖²    (per neuron: a_i = ‖U w_i‖² / ‖w_i‖²).

For S this is Σ_{i, j∈S} W_ij² / Σ_{i,j} W_ij². At an isotropic random initialization
E[A] ≈ r/d (`chance`); a network that has found S has A → 1 (Barak et al. 2022, Fig. 1).
Scale-invariant, so raw or effective weights give the same value.

Weight movement. ‖θ_t − θ_0‖₂ and ‖θ_t − θ_0‖₁ (Barak et al. plot the ℓ1 movement of the first
layer rising steadily before the loss drops) and the relative ‖θ_t − θ_0‖₂/‖θ_0‖₂.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from riskscope.core.errors import SpecError


@dataclass(frozen=True)
class SubspaceAlignment:
    """mass_share [...]; per_neuron [..., width]; chance = r/d."""

    mass_share: np.ndarray
    per_neuron: np.ndarray
    chance: float


def subspace_alignment(weights: torch.Tensor, basis: torch.Tensor) -> SubspaceAlignment:
    """Alignment of first-layer rows `weights` [..., width, d] with the rows of `basis` [r, d]
    (orthonormal; checked)."""
    w = weights.detach().double().cpu()
    u = torch.as_tensor(basis).double().cpu()
    if u.dim() != 2 or u.shape[1] != w.shape[-1]:
        raise SpecError("basis", tuple(u.shape), f"[r, d] with d = {w.shape[-1]}")
    if not torch.allclose(u @ u.T, torch.eye(u.shape[0], dtype=u.dtype), atol=1e-6):
        raise SpecError("basis", "rows not orthonormal", "an orthonormal basis [r, d]")
    inside = (w @ u.T).pow(2).sum(-1)
    total = w.pow(2).sum(-1)
    per = inside / total.clamp_min(1e-300)
    share = inside.sum(-1) / total.sum(-1).clamp_min(1e-300)
    return SubspaceAlignment(share.numpy(), per.numpy(), u.shape[0] / u.shape[1])


@dataclass(frozen=True)
class WeightMovement:
    """Per member [M]: ℓ2 and ℓ1 distance from init and the relative ℓ2 distance."""

    l2: np.ndarray
    l1: np.ndarray
    relative_l2: np.ndarray


def weight_movement(current: Sequence[torch.Tensor], initial: Sequence[torch.Tensor]
                    ) -> WeightMovement:
    """Movement of stacked parameters (each [M, ...]) from their initial values."""
    if len(current) != len(initial):
        raise SpecError("initial", len(initial), f"{len(current)} tensors, like `current`")
    l2 = l1 = norm0 = 0
    for p, q in zip(current, initial, strict=True):
        diff = (p.detach() - q.detach()).double().flatten(1)
        l2 = l2 + diff.pow(2).sum(1)
        l1 = l1 + diff.abs().sum(1)
        norm0 = norm0 + q.detach().double().flatten(1).pow(2).sum(1)
    l2 = l2.sqrt().cpu()
    rel = l2 / norm0.sqrt().cpu().clamp_min(1e-300)
    return WeightMovement(l2.numpy(), l1.cpu().numpy(), rel.numpy())
