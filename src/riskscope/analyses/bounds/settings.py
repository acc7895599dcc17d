"""The settings of a PAC-Bayes certificate run, validated before anything is computed.

Shared by the API (`pac_bayes_certificate(..., **settings)`) and the `pac-bayes` study's
options. Defaults follow Pérez-Ortiz et al. 2021 where they apply (δ = 0.025, δ′ = 0.01,
quadratic objective, prior half of the data); the posterior is trained with Adam by default
(SGD with momentum 0.95 as in that paper is available: its steps scale with the gradient of a
loss divided by ln(1/p_min), which makes them small).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params


class CertificateSettings(Params):
    prior: Literal["data-free", "data-dependent"] = Field(
        "data-dependent", description="data-free: prior centred at the initialization; "
        "data-dependent: prior mean trained on a split the certificate does not use")
    prior_fraction: float = Field(0.5, gt=0, lt=1, description="share of the data for the prior")
    prior_sigmas: list[float] = Field(
        default_factory=lambda: [0.03],
        description="grid of prior scales σ_P; each certified at δ/len(grid)")
    objective: Literal["classic", "quadratic", "lambda"] = "quadratic"
    posterior_start: Literal["prior", "model"] = Field(
        "prior", description="initial posterior mean: the prior mean or the given model")
    posterior_data: Literal["all", "bound"] = Field(
        "all", description="data the posterior is trained on (all data is allowed)")
    posterior_steps: int = Field(2000, ge=0)
    posterior_optimizer: Literal["adam", "sgd"] = Field(
        "adam", description="adam is insensitive to the 1/ln(1/p_min) scale of the loss")
    posterior_lr: float = Field(0.001, gt=0)
    posterior_momentum: float = Field(0.95, ge=0, lt=1, description="sgd only")
    posterior_batch_size: int = Field(256, ge=0, description="0 = full batch")
    sigma_transform: Literal["softplus", "exp"] = "softplus"
    delta: float = Field(0.025, gt=0, lt=1)
    delta_mc: float = Field(0.01, gt=0, lt=1)
    weight_samples: int = Field(10_000, ge=1, description="m, Monte-Carlo weight samples")
    selection_weight_samples: int = Field(
        0, ge=0, description="> 0: choose the prior scale by a pilot certificate with this many "
        "samples, then certify only the chosen one with fresh weight_samples")
    test_weight_samples: int = Field(100, ge=1)
    p_min: float = Field(1e-4, gt=0, lt=1)
    seed: int = Field(0, ge=0)
    sample_batch: int = Field(64, ge=1, description="weight samples per batched pass")
    example_batch: int = Field(0, ge=0, description="0: cache-sized (16384 rows / sample_batch)")

    @field_validator("prior_sigmas")
    @classmethod
    def _sigmas(cls, value: list[float]) -> list[float]:
        if not value:
            raise SpecError("prior_sigmas", value, "a non-empty list of prior scales > 0")
        if any(not (isinstance(s, (int, float)) and s > 0) for s in value):
            raise SpecError("prior_sigmas", value, "prior scales > 0")
        return [float(s) for s in value]


class NetworkCertificateSettings(CertificateSettings):
    """`CertificateSettings` plus how the API trains a data-dependent prior mean (SGD with
    momentum on the cross-entropy, from the initialization, on the prior split). The studies
    train it with the trial's [training] section instead."""

    prior_steps: int = Field(2000, ge=0, description="SGD steps training the prior mean")
    prior_lr: float = Field(0.01, gt=0)
    prior_momentum: float = Field(0.9, ge=0, lt=1)
    prior_batch_size: int = Field(128, ge=0, description="0 = full batch")
