"""The Boolean cube {−1, +1}^n, parities χ_S(x) = Π_{i∈S} x_i and secret supports.

Conventions (shared by the sparse tasks and the feature probes):
- bits are ±1 floats (not 0/1): x_i = +1 or −1 with probability ½ each, independently;
- a support S is a sorted int64 tensor of distinct coordinates in [0, n);
- the secret support of a task is drawn from its `secret_seed` alone (a uniform k-subset),
  so a task's parameters determine S.
"""

from __future__ import annotations

import torch

from riskscope.core.rng import derive_seed, torch_generator


def random_signs(n: int, dim: int, rng: torch.Generator) -> torch.Tensor:
    """n uniform points of {−1, +1}^dim, float32 [n, dim]."""
    bits = torch.randint(0, 2, (n, dim), generator=rng)
    return bits.to(torch.float32).mul_(2).sub_(1)


def parity(x: torch.Tensor, support: torch.Tensor) -> torch.Tensor:
    """χ_S(x) = Π_{i∈S} x_i over the last dimension ([..., n] → [...]); χ_∅ = 1."""
    if support.numel() == 0:
        return torch.ones(x.shape[:-1], dtype=x.dtype, device=x.device)
    return x[..., support.to(x.device)].prod(-1)


def secret_support(n: int, k: int, secret_seed: int) -> torch.Tensor:
    """A uniform k-subset of range(n) from `secret_seed`, sorted, int64 [k]."""
    gen = torch_generator(derive_seed(secret_seed, "secret-support", n, k))
    return torch.randperm(n, generator=gen)[:k].sort().values


def cube_points(n: int) -> torch.Tensor:
    """All 2^n points of {−1, +1}^n, float32 [2^n, n]; row r has x_i = −1 iff bit i of r is set.

    This order makes the Walsh–Hadamard transform of values on the rows give the Fourier
    coefficient of subset T at index Σ_{i∈T} 2^i (see probes/features/fourier.py).
    """
    rows = torch.arange(2**n).unsqueeze(1)
    bits = (rows >> torch.arange(n)) & 1
    return (1 - 2 * bits).to(torch.float32)
