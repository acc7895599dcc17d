"""Measures of learned features: activation sparsity and effective rank.

Activation sparsity. For hidden activations H [..., N, width] (after the ReLU), the fraction
of zero entries, mean_{n,i} 1[H_ni = 0], and the fraction of dead units (zero on every input).

Effective rank (Roy & Vetterli 2007). For a matrix A with singular values σ_1..σ_q, let
p_i = σ_i / Σ_j σ_j; then erank(A) = exp(−Σ_i p_i ln p_i) (0 ln 0 = 0). It lies in [1, rank A],
equals r for r equal non-zero singular values, and is applied to the feature matrix H as is
(not centred; centre it first to measure the spread around the mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class ActivationSparsity:
    """zero_fraction [...] and dead_fraction [...] (per member when batched)."""

    zero_fraction: np.ndarray
    dead_fraction: np.ndarray


def activation_sparsity(features: torch.Tensor, tol: float = 0.0) -> ActivationSparsity:
    """Sparsity of activations `features` [..., N, width]; |h| ≤ tol counts as zero."""
    zero = features.detach().abs() <= tol
    return ActivationSparsity(zero.double().mean((-2, -1)).cpu().numpy(),
                              zero.all(-2).double().mean(-1).cpu().numpy())


def effective_rank(matrix: torch.Tensor) -> np.ndarray:
    """exp(entropy of normalized singular values) of `matrix` [..., N, p] (float64)."""
    s = torch.linalg.svdvals(matrix.detach().double().cpu())
    p = s / s.sum(-1, keepdim=True).clamp_min(1e-300)
    entropy = -(p * torch.where(p > 0, p.log(), torch.zeros_like(p))).sum(-1)
    return entropy.exp().numpy()
