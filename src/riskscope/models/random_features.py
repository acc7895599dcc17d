"""ReLU random features φ(x) = relu(W x), W = F/√d with F fixed N(0, 1) [N, d].

Rahimi & Recht 2007; Mei & Montanari 2019 ("The generalization error of random features
regression: precise asymptotics and double descent"). Only the linear readout is learned.
For Gaussian inputs x ~ N(0, I_d) the features' population moments are known in closed form
(the arc-cosine kernel of order 1, Cho & Saul 2009); see `relu_feature_moments`.
"""

from __future__ import annotations

import math

import torch


def random_feature_matrix(num_features: int, input_dim: int, generator: torch.Generator
                          ) -> torch.Tensor:
    """W [N, d] = F/√d with F i.i.d. N(0, 1), float64."""
    return torch.randn(num_features, input_dim, generator=generator,
                       dtype=torch.float64) / math.sqrt(input_dim)


def relu_features(x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """φ(x) = relu(x Wᵀ): [n, N]."""
    return torch.relu(x.to(weights.dtype) @ weights.T)


def relu_feature_moments(weights: torch.Tensor, teacher: torch.Tensor
                         ) -> tuple[torch.Tensor, torch.Tensor]:
    """(Σ, b) for x ~ N(0, I_d), φ = relu(W x), linear teacher y* = βᵀx:

    Σ_ij = E φ_i φ_j = ‖w_i‖‖w_j‖ (sin θ_ij + (π − θ_ij) cos θ_ij) / (2π)   (Cho & Saul 2009),
    b_i  = E φ_i y*  = w_iᵀβ / 2   (Stein's lemma: E relu(wᵀx) x = w · P(wᵀx > 0) = w/2).
    Uncentered second moments (no intercept in the readout).
    """
    norms = weights.norm(dim=1)
    cos = (weights @ weights.T) / torch.outer(norms, norms)
    theta = torch.arccos(cos.clamp(-1.0, 1.0))
    sigma = torch.outer(norms, norms) * (torch.sin(theta) + (math.pi - theta) * cos) / (2 * math.pi)
    sigma.diagonal().copy_(norms.pow(2) / 2)
    return sigma, weights @ teacher.to(weights.dtype) / 2
