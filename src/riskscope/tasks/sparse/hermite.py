"""Normalized probabilists' Hermite polynomials and sparse unit directions for index models.

h_p = He_p / √(p!) is orthonormal under z ~ N(0, 1): E[h_p h_q] = δ_pq. The *information
exponent* of a link g (Ben Arous, Gheissari & Jagannath 2021) is the index of its first
non-zero Hermite coefficient; the link h_p has information exponent p. Supported:

    h_1(z) = z,   h_2(z) = (z² − 1)/√2,   h_3(z) = (z³ − 3z)/√6.
"""

from __future__ import annotations

import math

import torch

from riskscope.core.rng import derive_seed, torch_generator

HERMITE_EXPONENTS = (1, 2, 3)


def hermite_link(p: int, z: torch.Tensor) -> torch.Tensor:
    """h_p(z) = He_p(z)/√(p!) for p in HERMITE_EXPONENTS."""
    if p == 1:
        return z
    if p == 2:
        return (z * z - 1) / math.sqrt(2)
    if p == 3:
        return (z**3 - 3 * z) / math.sqrt(6)
    raise ValueError(f"no Hermite link with information exponent {p}; allowed "
                     f"{HERMITE_EXPONENTS}")


def sparse_directions(dim: int, count: int, sparsity: int, seed: int) -> torch.Tensor:
    """`count` orthonormal k-sparse directions in R^dim, float64 [count, dim].

    Supports are disjoint (drawn as one random (count·k)-subset split in order), entries
    ±1/√k with random signs, so the rows are unit-norm and mutually orthogonal exactly.
    """
    gen = torch_generator(derive_seed(seed, "sparse-directions", dim, count, sparsity))
    coords = torch.randperm(dim, generator=gen)[:count * sparsity].reshape(count, sparsity)
    signs = torch.randint(0, 2, (count, sparsity), generator=gen).double().mul(2).sub(1)
    w = torch.zeros(count, dim, dtype=torch.float64)
    w.scatter_(1, coords.sort(dim=1).values, signs / math.sqrt(sparsity))
    return w
