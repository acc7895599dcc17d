"""Gaussian-design regression with a known nonlinear part (`gaussian-design`): the analytic
oracle of the excess-risk decomposition.

Definition. x ~ N(0, I_d), d = `input_dim`;

    y = β·x + g(x) + σ ε,   g(x) = a · He₂(x_d)/√2 = a (x_d² − 1)/√2,   ε ~ N(0, 1),

with β = `coefficients` (default β_j = 1/j), a = `nonlinear_scale`, σ = `noise_std`. g sits
on the LAST coordinate and is the normalized second Hermite polynomial, so in L²(N(0, I_d))
it is orthogonal to constants and to every linear function, E g = 0, E g² = a².

Ground truth. The Bayes predictor is f*(x) = β·x + g(x) (`target`); the Bayes risk under the
squared error is σ². The population risk of a linear predictor x ↦ w·x + b (w ∈ ℝ^d, zeros
for unused inputs) is, exactly (`linear_predictor_risk`; the cross terms vanish because
E[g x] = 0 and E g = 0):

    R(w, b) = ‖w − β‖² + b² + a² + σ².

The closed forms of every decomposition component for the class "linear in the first k
inputs" are in `riskscope.tasks.gaussian_design_oracle` (derivations: docs/decomposition.md).
"""

from __future__ import annotations

import math

import torch
from pydantic import Field, model_validator

from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset, Task
from riskscope.tasks.registry import register_task


class GaussianDesignParams(Params):
    input_dim: int = Field(4, ge=1, le=10_000)
    coefficients: list[float] | None = Field(
        default=None, description="β, one per input (unset: β_j = 1/j)")
    nonlinear_scale: float = Field(0.0, ge=0.0, allow_inf_nan=False,
                                   description="a in g(x) = a (x_d² − 1)/√2")
    noise_std: float = Field(0.5, ge=0.0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _coefficients(self):
        beta = self.coefficients
        if beta is not None:
            if len(beta) != self.input_dim:
                raise SpecError("task.coefficients", f"a list of length {len(beta)}",
                                f"one coefficient per input: length input_dim = "
                                f"{self.input_dim}")
            if not all(math.isfinite(b) for b in beta):
                raise SpecError("task.coefficients", beta, "finite numbers")
        return self


@register_task
class GaussianDesign(Task):
    """Gaussian inputs, y = β·x + a He₂(x_d)/√2 + noise; every risk of a linear predictor
    in closed form."""

    name = "gaussian-design"
    kind = "regression"
    Params = GaussianDesignParams
    description = ("x ~ N(0, I), y = β·x + a(x_d² − 1)/√2 + noise; the decomposition's "
                   "analytic oracle (Bayes risk σ²)")

    def __init__(self, params: GaussianDesignParams):
        super().__init__(params)
        self.input_dim = params.input_dim
        self.output_dim = 1
        beta = params.coefficients
        if beta is None:
            beta = [1.0 / (j + 1) for j in range(params.input_dim)]
        self.beta = torch.tensor(beta, dtype=torch.float64)

    @property
    def nonlinear_variance(self) -> float:
        """E g(x)² = a²."""
        return self.params.nonlinear_scale ** 2

    @property
    def noise_variance(self) -> float:
        return self.params.noise_std ** 2

    def nonlinear_part(self, x: torch.Tensor) -> torch.Tensor:
        """g(x) = a (x_d² − 1)/√2, [n, 1]."""
        last = x[:, -1:]
        return self.params.nonlinear_scale * (last * last - 1) / math.sqrt(2.0)

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """f*(x) = β·x + g(x), [n, 1], in x's dtype and device."""
        beta = self.beta.to(device=x.device, dtype=x.dtype)
        return (x @ beta)[:, None] + self.nonlinear_part(x)

    bayes_predictor = target

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        x = torch.randn(n, self.input_dim, generator=rng)
        noise = torch.randn(n, 1, generator=rng)
        return Dataset(x, self.target(x) + self.params.noise_std * noise)

    def bayes_risk(self) -> Estimate:
        return Estimate.exact_value(self.noise_variance, method="closed-form: noise_std^2")

    def ground_truth(self) -> dict[str, torch.Tensor]:
        return {"coefficients": self.beta.clone(),
                "nonlinear_scale": torch.tensor(self.params.nonlinear_scale,
                                                dtype=torch.float64)}

    def linear_predictor_risk(self, weight, bias: float = 0.0) -> Estimate:
        """Exact R(w, b) = ‖w − β‖² + b² + a² + σ² of x ↦ w·x + b.

        weight: d numbers, or k ≤ d numbers for the first k inputs (the rest taken as 0).
        """
        w = torch.as_tensor(weight, dtype=torch.float64).reshape(-1).cpu()
        if w.numel() > self.input_dim:
            raise SpecError("weight", f"{w.numel()} numbers",
                            f"at most input_dim = {self.input_dim} numbers")
        full = torch.zeros(self.input_dim, dtype=torch.float64)
        full[: w.numel()] = w
        risk = ((full - self.beta).pow(2).sum() + float(bias) ** 2
                + self.nonlinear_variance + self.noise_variance)
        return Estimate.exact_value(float(risk), method="closed-form: Gaussian design, "
                                    "linear predictor")
