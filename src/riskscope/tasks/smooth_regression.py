"""Regression on a random Fourier series of prescribed smoothness (`fourier-series`).

Definition. Inputs x ~ Uniform([0, 1]^d), d = `input_dim`. Frequencies: every k ∈ Z^d with
‖k‖_∞ ≤ K (K = `num_frequencies`) and k ≠ 0, one of each pair {k, −k} (the first non-zero entry
positive), M = ((2K + 1)^d − 1)/2 of them. The target is
    f*(x) = c · Σ_k |k|^(−s) [a_k cos(2π k·x) + b_k sin(2π k·x)],   a_k, b_k ~ N(0, 1) i.i.d.,
|k| the Euclidean norm, s = `smoothness`, coefficients drawn from `coef_seed`. With
`normalize` (default) c makes Var[f*(x)] = Σ_k (a_k² + b_k²)/2 exactly 1 (an exact, not a
sampled, normalization: the basis is orthogonal under the uniform law), else c = 1.
Labels y = f*(x) + σ ε, ε ~ N(0, 1), σ = `noise_std`; Bayes risk σ² (squared error).

Smoothness. f ∈ H^t (the Sobolev space of the torus) iff Σ_k (1 + |k|²)^t (a_k² + b_k²) < ∞.
With |coefficient| ≍ |k|^(−s) in d dimensions this sum behaves like Σ_k |k|^(2t − 2s), finite
iff t < s − d/2. So s sets the Sobolev smoothness of the K → ∞ limit: it lies in H^t for every
t < s − d/2 (almost surely, as the Gaussian factors do not change the rate). Any finite K gives a
trigonometric polynomial; K controls how much of the spectrum is present. Minimax rates for
H^t regression are n^(−2t/(2t + d)) (Stone 1982; Tsybakov 2009, ch. 1–2).
"""

from __future__ import annotations

import itertools
import math

import torch
from pydantic import Field, ValidationInfo, field_validator

from riskscope.core.estimate import Estimate
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset, Task
from riskscope.tasks.registry import register_task

MAX_TERMS = 200_000
_CHUNK_ELEMENTS = 1 << 22


class FourierSeriesParams(Params):
    input_dim: int = Field(1, ge=1, le=8)
    num_frequencies: int = Field(16, ge=1, le=4096)
    smoothness: float = Field(2.0, ge=0.0, allow_inf_nan=False)
    coef_seed: int = Field(0, ge=0)
    noise_std: float = Field(0.0, ge=0.0, allow_inf_nan=False)
    normalize: bool = True

    @field_validator("num_frequencies")
    @classmethod
    def _term_count(cls, value: int, info: ValidationInfo) -> int:
        dim = info.data.get("input_dim")
        if dim is not None and ((2 * value + 1) ** dim - 1) // 2 > MAX_TERMS:
            raise ValueError(f"((2K+1)^d - 1)/2 terms must be <= {MAX_TERMS}; "
                             f"lower num_frequencies or input_dim")
        return value


def half_lattice(dim: int, max_frequency: int) -> torch.Tensor:
    """All k ∈ Z^d, ‖k‖_∞ ≤ K, whose first non-zero entry is positive: [M, d] int64."""
    axis = range(-max_frequency, max_frequency + 1)
    keep = [k for k in itertools.product(axis, repeat=dim)
            if any(k) and next(v for v in k if v != 0) > 0]
    return torch.tensor(keep, dtype=torch.int64).reshape(-1, dim)


@register_task
class FourierSeries(Task):
    """Random Fourier series target with coefficients decaying like |k|^(−s), uniform inputs."""

    name = "fourier-series"
    kind = "regression"
    Params = FourierSeriesParams
    description = "random Fourier series on [0,1]^d with |k|^-s coefficients; Bayes risk σ²"

    def __init__(self, params: FourierSeriesParams):
        super().__init__(params)
        p = params
        self.input_dim = p.input_dim
        self.output_dim = 1
        self.frequencies = half_lattice(p.input_dim, p.num_frequencies)
        rng = torch_generator(derive_seed(p.coef_seed, "fourier-coefficients"))
        decay = self.frequencies.double().norm(dim=1).pow(-p.smoothness)
        coef = torch.randn(2, len(self.frequencies), generator=rng, dtype=torch.float64) * decay
        if p.normalize:
            coef /= torch.sqrt(coef.pow(2).sum() / 2)
        self.cos_coef, self.sin_coef = coef[0], coef[1]

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """f*(x), [n, 1], computed in float64 in chunks, returned in x's dtype."""
        freq = self.frequencies.to(device=x.device, dtype=torch.float64)
        cos_coef = self.cos_coef.to(x.device)
        sin_coef = self.sin_coef.to(x.device)
        chunk = max(1, _CHUNK_ELEMENTS // len(freq))
        parts = []
        for start in range(0, x.shape[0], chunk):
            phase = 2 * math.pi * (x[start:start + chunk].double() @ freq.T)
            parts.append(torch.cos(phase) @ cos_coef + torch.sin(phase) @ sin_coef)
        out = torch.cat(parts) if parts else torch.zeros(0, dtype=torch.float64, device=x.device)
        return out.unsqueeze(-1).to(x.dtype)

    bayes_predictor = target

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        x = torch.rand(n, self.input_dim, generator=rng)
        noise = torch.randn(n, 1, generator=rng)
        return Dataset(x, self.target(x) + self.params.noise_std * noise)

    def bayes_risk(self) -> Estimate:
        return Estimate.exact_value(self.params.noise_std**2, method="closed-form: noise_std^2")

    def target_variance(self) -> float:
        """Var[f*(x)] under the uniform law, exactly Σ_k (a_k² + b_k²)/2."""
        return float((self.cos_coef.pow(2).sum() + self.sin_coef.pow(2).sum()) / 2)

    def ground_truth(self) -> dict[str, torch.Tensor]:
        """`frequencies` [M, d] int64 and the scaled `cos_coef`, `sin_coef` [M] float64."""
        return {"frequencies": self.frequencies.clone(), "cos_coef": self.cos_coef.clone(),
                "sin_coef": self.sin_coef.clone()}
