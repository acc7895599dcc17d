"""Settings of the complexity measures (conventions of Jiang et al. 2020 as defaults)."""

from __future__ import annotations

from pydantic import Field

from riskscope.core.validation import Params


class MeasureSettings(Params):
    margin_quantile: float = Field(0.1, gt=0, lt=1, description="γ = this quantile of margins")
    perturbation: bool = Field(True, description="compute the sharpness/flatness measures")
    perturbation_examples: int = Field(2000, ge=1, description="training examples they use")
    perturbation_draws: int = Field(8, ge=1, description="noise draws averaged per σ")
    target_deviation: float = Field(0.1, gt=0, lt=1, description="accuracy drop sought")
    deviation_tolerance: float = Field(0.01, gt=0, lt=1)
    search_iterations: int = Field(20, ge=1, description="bisection steps (after bracketing)")
    ascent_steps: int = Field(10, ge=1, description="projected ascent steps, worst case")
    magnitude_eps: float = Field(1e-3, gt=0, description="ε of magnitude-aware noise")
    gradient_examples: int = Field(512, ge=2, description="examples for gradient measures")
