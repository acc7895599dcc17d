"""Sparse single- and multi-index models with Hermite links (Gaussian inputs).

Single index (Ben Arous, Gheissari & Jagannath 2021): x ~ N(0, I_d), w* a k-sparse unit
vector (entries ±1/√k on a random support, from `direction_seed`), and

    y = h_p(⟨w*, x⟩) + σ ε,    h_p = He_p/√(p!)  (hermite.py),

so Var f* = 1 and the information exponent is p: online SGD needs n ≳ d^(p−1) samples
(log d for p = 2, d for p ≤ 2 up to logs), smoothed SGD n ≳ d^(p/2) (Damian et al. 2023).

Multi index: r orthonormal k-sparse directions w_1..w_r (disjoint supports) and a link
- "sum":     f* = (1/√r) Σ_j h_p(⟨w_j, x⟩)   (unit variance; additive, leap p per direction)
- "product": f* = Π_j h_p(⟨w_j, x⟩)          (unit variance; information exponent r·p)
Both: regression, Bayes risk σ² (0 when noiseless). Ground truth: the directions and the
hidden subspace (their span, the rows of `subspace_basis`).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from pydantic import Field, ValidationInfo, field_validator

from riskscope.core.estimate import Estimate
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset, Task
from riskscope.tasks.registry import register_task
from riskscope.tasks.sparse.hermite import HERMITE_EXPONENTS, hermite_link, sparse_directions


class _IndexParams(Params):
    input_dim: int = Field(32, ge=1, le=100_000)
    sparsity: int = Field(4, ge=1, description="k: non-zero coordinates of each direction")
    information_exponent: int = Field(2, description="p: the link is h_p = He_p/√(p!)")
    noise_std: float = Field(0.0, ge=0.0, allow_inf_nan=False)
    direction_seed: int = Field(0, ge=0)

    @field_validator("information_exponent")
    @classmethod
    def _has_link(cls, value: int) -> int:
        if value not in HERMITE_EXPONENTS:
            raise ValueError("an information exponent with a Hermite link: 1 (He1), 2 (He2) "
                             "or 3 (He3)")
        return value


class SingleIndexParams(_IndexParams):
    @field_validator("sparsity")
    @classmethod
    def _fits(cls, value: int, info: ValidationInfo) -> int:
        d = info.data.get("input_dim")
        if d is not None and value > d:
            raise ValueError(f"an integer in [1, input_dim] = [1, {d}]")
        return value


class MultiIndexParams(_IndexParams):
    num_directions: int = Field(2, ge=1, le=64, description="r: number of hidden directions")
    link: Literal["sum", "product"] = "sum"

    @field_validator("num_directions")
    @classmethod
    def _fits(cls, value: int, info: ValidationInfo) -> int:
        d, k = info.data.get("input_dim"), info.data.get("sparsity")
        if d is not None and k is not None and value * k > d:
            raise ValueError(f"num_directions · sparsity ≤ input_dim = {d} (disjoint "
                             f"supports of size {k}); at most {d // k}")
        return value


class _IndexModel(Task):
    kind = "regression"

    def __init__(self, params: _IndexParams, count: int):
        super().__init__(params)
        self.input_dim = params.input_dim
        self.output_dim = 1
        self.directions = sparse_directions(params.input_dim, count, params.sparsity,
                                            params.direction_seed)
        self._w = self.directions.to(torch.float32)

    def projections(self, x: torch.Tensor) -> torch.Tensor:
        """⟨w_j, x⟩ for every direction, [n, r]."""
        return x @ self._w.to(x.device).T

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        x = torch.randn(n, self.params.input_dim, generator=rng)
        noise = torch.randn(n, 1, generator=rng) * self.params.noise_std
        return Dataset(x, self.target(x) + noise)

    def bayes_predictor(self, x: torch.Tensor) -> torch.Tensor:
        return self.target(x)

    def bayes_risk(self) -> Estimate:
        return Estimate.exact_value(self.params.noise_std**2, method="closed-form: σ²")

    def ground_truth(self) -> dict[str, torch.Tensor]:
        """`directions` float64 [r, d] (orthonormal), `subspace_basis` (the same rows),
        `support` int64: the union of the directions' supports, sorted."""
        support = torch.nonzero(self.directions.abs().sum(0) > 0).flatten()
        return {"directions": self.directions.clone(), "subspace_basis": self.directions.clone(),
                "support": support}


@register_task
class SingleIndex(_IndexModel):
    """y = h_p(⟨w*, x⟩) + noise with a k-sparse unit w* and Gaussian x."""

    name = "single-index"
    Params = SingleIndexParams
    description = "sparse single-index model y = He_p(<w*,x>)/√p! + noise, x ~ N(0, I)"

    def __init__(self, params: SingleIndexParams):
        super().__init__(params, 1)

    def target(self, x: torch.Tensor) -> torch.Tensor:
        return hermite_link(self.params.information_exponent, self.projections(x))


@register_task
class MultiIndex(_IndexModel):
    """y = link of h_p(⟨w_j, x⟩) over r orthonormal sparse directions (sum or product)."""

    name = "multi-index"
    Params = MultiIndexParams
    description = "sparse multi-index model: sum or product of He_p links of r directions"

    def __init__(self, params: MultiIndexParams):
        super().__init__(params, params.num_directions)

    def target(self, x: torch.Tensor) -> torch.Tensor:
        h = hermite_link(self.params.information_exponent, self.projections(x))
        if self.params.link == "sum":
            return h.sum(-1, keepdim=True) / math.sqrt(self.params.num_directions)
        return h.prod(-1, keepdim=True)
