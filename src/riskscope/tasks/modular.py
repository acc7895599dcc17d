"""Modular arithmetic (`modular-addition`, `modular-multiplication`): the grokking tasks.

Power et al. 2022 ("Grokking"); Nanda et al. 2023 ("Progress measures for grokking via
mechanistic interpretability"); Gromov 2023 ("Grokking modular arithmetic").

The data set is the table of all p² pairs (a, b) with a, b ∈ {0, …, p−1} and label
c = a + b mod p (or a·b mod p). A fraction `train_fraction` of the pairs, chosen by
`split_seed`, is the training pool; the other pairs are the held-out set that stands for the
population (a FiniteTask). `sample(n, rng)` draws n distinct training pairs; grokking studies
train on the whole pool (`pool_size` pairs).

Input encoding (shared by the MLP of Gromov 2023 and the transformer of Nanda et al. 2023):
x = [one_hot(a), one_hot(b)] ∈ {0, 1}^{2p}, float32; y = c, int64. `operands(x)` recovers
(a, b). The train pool holds round(train_fraction · p²) pairs; both parts must be non-empty.

Convention: multiplication needs a field (ℤ/pℤ with p prime: the non-zero residues form a
cyclic group, so the Fourier analysis via discrete logarithms applies); addition accepts any
modulus ≥ 2 but the built-in studies use primes. 0·b = 0 pairs are kept, as in Gromov 2023.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import torch
from pydantic import Field, field_validator

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset
from riskscope.tasks.real.finite import FiniteTask
from riskscope.tasks.registry import register_task


def is_prime(n: int) -> bool:
    if n < 2:
        return False
    return all(n % k for k in range(2, math.isqrt(n) + 1))


class ModularParams(Params):
    modulus: int = Field(97, ge=2, le=1000, description="p; the table has p² pairs")
    train_fraction: float = Field(0.3, gt=0.0, lt=1.0, allow_inf_nan=False)
    split_seed: int = Field(0, ge=0)


class ModularMultiplicationParams(ModularParams):
    @field_validator("modulus")
    @classmethod
    def _prime(cls, p: int) -> int:
        if not is_prime(p):
            raise SpecError("task.modulus", p, "a prime number (multiplication mod p needs a "
                            "field)", "e.g. 59, 97 or 113")
        return p


def operation_table(p: int, operation: Literal["add", "multiply"]) -> Dataset:
    """All p² pairs in row-major order (a slow, b fast): one-hot inputs and labels."""
    a = torch.arange(p).repeat_interleave(p)
    b = torch.arange(p).repeat(p)
    c = (a + b) % p if operation == "add" else (a * b) % p
    eye = torch.eye(p, dtype=torch.float32)
    return Dataset(torch.cat([eye[a], eye[b]], dim=1), c.to(torch.int64))


def operands(x: torch.Tensor, p: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(a, b) int64 [n] from one-hot inputs x [n, 2p]."""
    return x[..., :p].argmax(-1), x[..., p:].argmax(-1)


def split_pairs(p: int, train_fraction: float, split_seed: int) -> tuple[torch.Tensor,
                                                                          torch.Tensor]:
    """A random (train, test) partition of the p² pair indices; both parts non-empty."""
    total = p * p
    n_train = round(train_fraction * total)
    if not 1 <= n_train <= total - 1:
        raise SpecError("task.train_fraction", train_fraction,
                        f"a fraction leaving at least one of the {total} pairs on each side",
                        f"it gives {n_train} training pairs")
    order = torch.randperm(total, generator=torch.Generator().manual_seed(int(split_seed)))
    return order[:n_train], order[n_train:]


class _Modular(FiniteTask):
    kind = "classification"
    operation: ClassVar[Literal["add", "multiply"]]

    def __init__(self, params: ModularParams):
        super().__init__(params)
        self.modulus = params.modulus
        table = operation_table(params.modulus, self.operation)
        train, test = split_pairs(params.modulus, params.train_fraction, params.split_seed)
        self._set_data(table.subset(train), table.subset(test))
        self.num_classes = self.output_dim = params.modulus
        self.train_index, self.test_index = train, test

    def operands(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return operands(x, self.modulus)


@register_task
class ModularAddition(_Modular):
    """c = a + b mod p on all p² pairs, split into train/held-out pairs."""

    name = "modular-addition"
    operation = "add"
    Params = ModularParams
    description = "a + b mod p over all p² pairs (grokking; Power 2022, Nanda 2023)"


@register_task
class ModularMultiplication(_Modular):
    """c = a · b mod p (p prime) on all p² pairs, split into train/held-out pairs."""

    name = "modular-multiplication"
    operation = "multiply"
    Params = ModularMultiplicationParams
    description = "a · b mod p, p prime, over all p² pairs (grokking; Gromov 2023)"
