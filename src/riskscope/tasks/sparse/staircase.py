"""Staircase functions on ±1 bits (Abbe, Boix-Adserà & Misiakiewicz 2022).

Definition. x uniform on {−1, +1}^n and, for degree k,

    f*(x) = (1/√k) Σ_{j=1..k} Π_{i≤j} x_{s_i}
          = (x_{s1} + x_{s1}x_{s2} + ... + x_{s1}···x_{sk}) / √k,

with the support (s_1, ..., s_k) the first k coordinates (Abbe et al.'s convention). The k
monomials are orthonormal Walsh functions, so Var f* = 1 with the 1/√k normalization.
Each monomial adds one coordinate to the previous one (leap 1, "merged staircase"): SGD on
two-layer nets learns it with O(n) samples, while a degree-k parity with no staircase needs
n^Ω(k). Regression: y = f*(x) + σ ε; Bayes risk σ² (0 when noiseless).
"""

from __future__ import annotations

import math

import torch
from pydantic import Field, ValidationInfo, field_validator

from riskscope.core.estimate import Estimate
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset, Task
from riskscope.tasks.registry import register_task
from riskscope.tasks.sparse.boolean_cube import random_signs


class StaircaseParams(Params):
    n_bits: int = Field(20, ge=1, le=4096, description="input dimension n")
    degree: int = Field(3, ge=1, description="k: number of steps (monomials)")
    noise_std: float = Field(0.0, ge=0.0, allow_inf_nan=False)

    @field_validator("degree")
    @classmethod
    def _degree_at_most_n(cls, value: int, info: ValidationInfo) -> int:
        n = info.data.get("n_bits")
        if n is not None and value > n:
            raise ValueError(f"an integer in [1, n_bits] = [1, {n}]")
        return value


@register_task
class Staircase(Task):
    """Regression on the staircase x1 + x1x2 + ... + x1···xk (normalized to unit variance)."""

    name = "staircase"
    kind = "regression"
    Params = StaircaseParams
    description = "staircase x1 + x1x2 + ... on ±1 bits / √k (Abbe et al. 2022); Bayes σ²"

    def __init__(self, params: StaircaseParams):
        super().__init__(params)
        self.input_dim = params.n_bits
        self.output_dim = 1
        self.support = torch.arange(params.degree)

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """f*(x), [n, 1]."""
        prefix = torch.cumprod(x[..., : self.params.degree], dim=-1)
        return prefix.sum(-1, keepdim=True) / math.sqrt(self.params.degree)

    bayes_predictor = target

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        x = random_signs(n, self.params.n_bits, rng)
        noise = torch.randn(n, 1, generator=rng) * self.params.noise_std
        return Dataset(x, self.target(x) + noise)

    def bayes_risk(self) -> Estimate:
        return Estimate.exact_value(self.params.noise_std**2, method="closed-form: σ²")

    def ground_truth(self) -> dict[str, torch.Tensor]:
        """`support` int64 [k] (the first k coordinates), `subspace_basis` float64 [k, n]."""
        basis = torch.eye(self.params.n_bits, dtype=torch.float64)[: self.params.degree]
        return {"support": self.support.clone(), "subspace_basis": basis}
