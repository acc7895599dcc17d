"""Gaussian mixture classification with a shared isotropic covariance.

Definition. y ~ Categorical(π) over C = `num_classes` classes (π = `priors`, uniform by default);
x | y = c ~ N(μ_c, σ² I_d), σ = `noise_std`. The Bayes classifier is
argmax_c [log π_c − ‖x − μ_c‖²/(2σ²)] (`bayes_predictor` returns these scores, which are the
log-posteriors up to a constant); its error is given by `bayes_risk` (see
`riskscope.tasks.mixture_bayes_error`: exact for C = 2, randomized QMC with a standard error
and interval for C > 2).

Means. Given explicitly by `means` (a C × d list), or generated from `mean_seed` with
- mean_layout "simplex" (default): a regular simplex centred at the origin with every pairwise
  distance equal to `separation`, randomly rotated into R^d (needs C ≤ d + 1);
- mean_layout "random": i.i.d. N(0, separation²/(2d) I_d), so E‖μ_a − μ_b‖² = separation².
With "simplex" and uniform priors the Bayes error depends only on C and separation/σ; for C = 2
it is Φ(−separation/(2σ)).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import torch
from pydantic import Field, ValidationInfo, field_validator

from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate
from riskscope.core.memory import check_fits
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset, Task
from riskscope.tasks.mixture_bayes_error import mixture_bayes_error
from riskscope.tasks.registry import register_task

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class GaussianMixtureParams(Params):
    input_dim: int = Field(2, ge=1, le=100_000)
    num_classes: int = Field(2, ge=2, le=10_000)
    noise_std: float = Field(1.0, gt=0.0, allow_inf_nan=False)
    separation: float = Field(2.0, ge=0.0, allow_inf_nan=False)
    mean_layout: Literal["simplex", "random"] = "simplex"
    mean_seed: int = Field(0, ge=0)
    means: list[list[FiniteFloat]] | None = None
    priors: list[PositiveFloat] | None = None

    @field_validator("means")
    @classmethod
    def _means_shape(cls, value, info: ValidationInfo):
        shape = (info.data.get("num_classes"), info.data.get("input_dim"))
        if value is not None and (len(value) != shape[0]
                                  or any(len(row) != shape[1] for row in value)):
            raise ValueError(f"means must be num_classes x input_dim = {shape[0]} x {shape[1]}")
        return value

    @field_validator("priors")
    @classmethod
    def _priors_distribution(cls, value, info: ValidationInfo):
        classes = info.data.get("num_classes")
        if value is not None and len(value) != classes:
            raise ValueError(f"priors must have num_classes = {classes} entries")
        if value is not None and abs(sum(value) - 1.0) > 1e-6:
            raise ValueError(f"priors must sum to 1 (they sum to {sum(value):.9g})")
        return value


def simplex_means(num_classes: int, dim: int, separation: float,
                  rng: torch.Generator) -> torch.Tensor:
    """A regular simplex with pairwise distance `separation`, centred, randomly rotated."""
    vertices = torch.eye(num_classes, dtype=torch.float64)
    vertices -= vertices.mean(0)                       # pairwise distances √2, rank C − 1
    _, _, vt = torch.linalg.svd(vertices)
    coords = vertices @ vt[: num_classes - 1].T        # [C, C − 1]
    gaussian = torch.randn(dim, num_classes - 1, generator=rng, dtype=torch.float64)
    frame, _ = torch.linalg.qr(gaussian)               # random orthonormal [d, C − 1]
    return separation / math.sqrt(2.0) * coords @ frame.T


@register_task
class GaussianMixture(Task):
    """C Gaussian classes with shared covariance σ² I; Bayes error known."""

    name = "gaussian-mixture"
    kind = "classification"
    Params = GaussianMixtureParams
    description = "C isotropic Gaussian classes; Bayes error exact (C = 2) or RQMC (C > 2)"

    def __init__(self, params: GaussianMixtureParams):
        super().__init__(params)
        p = params
        self.input_dim = p.input_dim
        self.output_dim = p.num_classes
        self.num_classes = p.num_classes
        check_fits("task.num_classes" if p.num_classes > p.input_dim else "task.input_dim",
                   max(p.num_classes, p.input_dim), 3 * 8 * p.num_classes * p.input_dim,
                   f"the class means ({p.num_classes} × {p.input_dim} float64, with work space)")
        self.means = self._make_means()
        priors = torch.full((p.num_classes,), 1.0 / p.num_classes, dtype=torch.float64) \
            if p.priors is None else torch.tensor(p.priors, dtype=torch.float64)
        self.priors = priors / priors.sum()
        self._bayes: Estimate | None = None

    def _make_means(self) -> torch.Tensor:
        p = self.params
        if p.means is not None:
            return torch.tensor(p.means, dtype=torch.float64)
        rng = torch_generator(derive_seed(p.mean_seed, "gaussian-mixture-means"))
        if p.mean_layout == "random":
            scale = p.separation / math.sqrt(2.0 * p.input_dim)
            return scale * torch.randn(p.num_classes, p.input_dim, generator=rng,
                                       dtype=torch.float64)
        if p.num_classes > p.input_dim + 1:
            raise SpecError("num_classes", p.num_classes,
                            f"at most input_dim + 1 = {p.input_dim + 1} for a simplex layout",
                            "use mean_layout = 'random' or give means")
        return simplex_means(p.num_classes, p.input_dim, p.separation, rng)

    def bayes_predictor(self, x: torch.Tensor) -> torch.Tensor:
        """Scores log π_c − ‖x − μ_c‖²/(2σ²), [n, C]; their argmax is the Bayes classifier."""
        means = self.means.to(device=x.device, dtype=x.dtype)
        log_priors = self.priors.log().to(device=x.device, dtype=x.dtype)
        sq = (x.pow(2).sum(-1, keepdim=True) - 2 * x @ means.T + means.pow(2).sum(-1))
        return log_priors - sq / (2 * self.params.noise_std**2)

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        y = torch.multinomial(self.priors, n, replacement=True, generator=rng) if n > 0 \
            else torch.zeros(0, dtype=torch.int64)
        noise = torch.randn(n, self.input_dim, generator=rng)
        x = self.means.to(torch.float32)[y] + self.params.noise_std * noise
        return Dataset(x, y)

    def bayes_risk(self) -> Estimate:
        """Exact for C = 2; for C > 2 a randomized-QMC value with its standard error and CI
        (computed once, cached; deterministic)."""
        if self._bayes is None:
            self._bayes = mixture_bayes_error(self.means.numpy(), self.params.noise_std,
                                              self.priors.numpy())
        return self._bayes

    def ground_truth(self) -> dict[str, torch.Tensor]:
        """`means` [C, d], `priors` [C], `noise_std` (scalar), all float64."""
        return {"means": self.means.clone(), "priors": self.priors.clone(),
                "noise_std": torch.tensor(self.params.noise_std, dtype=torch.float64)}


