"""k-sparse parity on n bits (Barak et al. 2022), as a two-class classification task.

Definition. x uniform on {−1, +1}^n; a secret support S ⊂ [n], |S| = k, drawn from
`secret_seed` (`boolean_cube.secret_support`). The clean label is

    c*(x) = (1 − χ_S(x)) / 2 ∈ {0, 1},   χ_S(x) = Π_{i∈S} x_i,

i.e. the XOR of the bits b_i = (1 − x_i)/2 on S: label 1 when an odd number of the secret
coordinates are −1. With probability ρ = `flip_rate` the label is flipped.

Convention chosen: classification (targets int64 0/1, two logits, cross-entropy training,
0-1 risk), not ±1 regression, so the trainer's cross-entropy and 0-1 metric apply unchanged.
A network's scalar score for Fourier analysis is the logit difference z₁ − z₀ (which
correlates with −χ_S; Fourier gaps use absolute values, so the sign does not matter).

Bayes error = ρ exactly (ρ < ½, so c* is the Bayes classifier). Statistical query lower bound:
learning needs n^Ω(k) SGD steps; SGD on two-layer nets learns after ~n^O(k) (Barak et al.).
A fixed training set is `sample(n_train, rng)`; `training.online = true` streams fresh samples.
"""

from __future__ import annotations

import torch
from pydantic import Field, ValidationInfo, field_validator

from riskscope.core.estimate import Estimate
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset, Task
from riskscope.tasks.registry import register_task
from riskscope.tasks.sparse.boolean_cube import parity, random_signs, secret_support


class SparseParityParams(Params):
    n_bits: int = Field(20, ge=1, le=4096, description="input dimension n")
    k: int = Field(3, ge=1, description="size of the secret support S")
    flip_rate: float = Field(0.0, ge=0.0, lt=0.5, allow_inf_nan=False)
    secret_seed: int = Field(0, ge=0)

    @field_validator("k")
    @classmethod
    def _k_at_most_n(cls, value: int, info: ValidationInfo) -> int:
        n = info.data.get("n_bits")
        if n is not None and value > n:
            raise ValueError(f"an integer in [1, n_bits] = [1, {n}] (the support is a "
                             "subset of the n bits)")
        return value


@register_task
class SparseParity(Task):
    """Labels are the parity of k secret bits out of n (XOR), optionally flipped with rate ρ."""

    name = "sparse-parity"
    kind = "classification"
    Params = SparseParityParams
    description = "k-sparse parity of n ±1 bits (XOR labels 0/1); Bayes error = flip_rate"

    def __init__(self, params: SparseParityParams):
        super().__init__(params)
        self.input_dim = params.n_bits
        self.output_dim = 2
        self.num_classes = 2
        self.support = secret_support(params.n_bits, params.k, params.secret_seed)

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """χ_S(x) ∈ {−1, +1}, [n]."""
        return parity(x, self.support)

    def clean_label(self, x: torch.Tensor) -> torch.Tensor:
        return ((1 - self.target(x)) / 2).round().to(torch.int64)

    def bayes_predictor(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [n, 2] whose argmax is the clean label."""
        chi = self.target(x)
        return torch.stack([chi, -chi], dim=-1)

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        x = random_signs(n, self.params.n_bits, rng)
        flip = torch.rand(n, generator=rng) < self.params.flip_rate
        y = self.clean_label(x)
        return Dataset(x, torch.where(flip, 1 - y, y))

    def bayes_risk(self) -> Estimate:
        return Estimate.exact_value(self.params.flip_rate, method="closed-form: flip_rate")

    def ground_truth(self) -> dict[str, torch.Tensor]:
        """`support`: S as sorted int64 [k]; `subspace_basis`: the coordinate vectors of S,
        float64 [k, n] (the hidden subspace the first layer should align with)."""
        basis = torch.zeros(len(self.support), self.params.n_bits, dtype=torch.float64)
        basis[torch.arange(len(self.support)), self.support] = 1.0
        return {"support": self.support.clone(), "subspace_basis": basis}
