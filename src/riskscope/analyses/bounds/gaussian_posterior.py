"""A diagonal Gaussian posterior over all parameters of a network (any architecture whose
function its parameters fix: batch norm is refused), with an isotropic Gaussian prior
(Dziugaite & Roy 2017; Pérez-Ortiz et al. 2021).

Q = N(μ, diag σ²) with σ = softplus(ρ) (default) or exp(ρ), trained by reparameterization
(w = μ + σ ⊙ ε, ε ~ N(0, I)); P = N(μ_P, σ_P² I) with μ_P fixed (the initialization for a
data-free prior, a network trained on a separate split for a data-dependent one) and σ_P a
number from a grid paid for by a union bound. Closed form, summed over all weights:

    KL(Q ‖ P) = Σ_j [ ln(σ_P/σ_j) + (σ_j² + (μ_j − μ_P,j)²) / (2σ_P²) − ½ ].

`kl_divergence()` recomputes it from the current parameters at every call, in float64: nothing
is cached from a training-mode pass (a stale KL from the last training step is a bug of some
public code). Networks with batch norm are refused (`check_fixed_predictor`). Weight sample
j of a Monte-Carlo evaluation is drawn from its own generator seeded by (seed, j), so results
do not depend on how samples are batched.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.probes.complexity.functional import batched_forward
from riskscope.probes.complexity.layers import check_fixed_predictor

SigmaTransform = Literal["softplus", "exp"]


def weight_sample_seeds(seed: int, indices: Sequence[int]) -> list[int]:
    """The seed of weight sample j: word j of a SeedSequence keyed by (seed, "weight-sample")
    (its words do not depend on how many are drawn, so sample j is the same in any batch)."""
    indices = list(indices)
    if not indices:
        return []
    words = np.random.SeedSequence(derive_seed(seed, "weight-sample")).generate_state(
        max(indices) + 1, np.uint64)
    return [int(words[j]) & 0x7FFF_FFFF_FFFF_FFFF for j in indices]


def _rho_from_sigma(sigma: float, transform: SigmaTransform) -> float:
    if transform == "exp":
        return math.log(sigma)
    return math.log(math.expm1(sigma)) if sigma < 30 else sigma  # softplus⁻¹


class GaussianPosterior(nn.Module):
    """Q over all parameters of `model` (no batch norm), prior N(prior_mean, σ_P²).

    model:        the architecture (copied; the copy only supplies the forward).
    prior_mean:   parameters by full name; default the model's current parameters.
    prior_sigma:  σ_P > 0.
    mean:         Q's initial means by full name; default `prior_mean`.
    sigma:        Q's initial σ (all weights); default σ_P.
    """

    def __init__(self, model: nn.Module, prior_sigma: float,
                 prior_mean: Mapping[str, torch.Tensor] | None = None,
                 mean: Mapping[str, torch.Tensor] | None = None, sigma: float | None = None,
                 sigma_transform: SigmaTransform = "softplus"):
        super().__init__()
        check_fixed_predictor(model)
        if not (isinstance(prior_sigma, (int, float)) and prior_sigma > 0):
            raise SpecError("prior_sigma", prior_sigma, "a number > 0")
        if sigma_transform not in ("softplus", "exp"):
            raise SpecError("sigma_transform", sigma_transform, "softplus or exp")
        self.network = copy.deepcopy(model).requires_grad_(False)
        self.names = [name for name, _ in model.named_parameters()]
        current = {name: p.detach() for name, p in model.named_parameters()}
        prior_mean = dict(prior_mean) if prior_mean is not None else current
        mean = dict(mean) if mean is not None else prior_mean
        for field, table in (("prior_mean", prior_mean), ("mean", mean)):
            for name in self.names:
                if name not in table or tuple(table[name].shape) != tuple(current[name].shape):
                    raise SpecError(f"{field}[{name!r}]", "missing" if name not in table else
                                    tuple(table[name].shape),
                                    f"a tensor of shape {tuple(current[name].shape)}")
        self.prior_sigma = float(prior_sigma)
        self.sigma_transform = sigma_transform
        rho = _rho_from_sigma(float(sigma if sigma is not None else prior_sigma), sigma_transform)
        self.mu = nn.ParameterList(nn.Parameter(mean[n].detach().clone().to(current[n]))
                                   for n in self.names)
        self.rho = nn.ParameterList(nn.Parameter(torch.full_like(current[n], rho))
                                    for n in self.names)
        for k, n in enumerate(self.names):
            self.register_buffer(f"prior_mean_{k}", prior_mean[n].detach().clone().to(current[n]))

    # ---- the distribution ------------------------------------------------------------------

    def variational_parameters(self) -> list[nn.Parameter]:
        return [*self.mu, *self.rho]

    def prior_means(self) -> list[torch.Tensor]:
        return [getattr(self, f"prior_mean_{k}") for k in range(len(self.names))]

    def sigmas(self) -> list[torch.Tensor]:
        f = torch.exp if self.sigma_transform == "exp" else nn.functional.softplus
        return [f(r) for r in self.rho]

    @property
    def num_parameters(self) -> int:
        return sum(m.numel() for m in self.mu)

    def kl_divergence(self, sigmas: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
        """KL(Q ‖ P) in nats, float64, recomputed from the current parameters (differentiable).
        `sigmas`: `self.sigmas()` when the caller has just computed them (one training step
        shares them between the weight draw and the KL); never a value kept across steps."""
        sp = self.prior_sigma
        total = torch.zeros((), dtype=torch.float64, device=self.mu[0].device)
        sigmas = self.sigmas() if sigmas is None else sigmas
        for mu, sigma, mu_p in zip(self.mu, sigmas, self.prior_means()):
            s = sigma.double()
            total = total + (math.log(sp) - torch.log(s)
                             + (s.pow(2) + (mu.double() - mu_p.double()).pow(2)) / (2 * sp**2)
                             - 0.5).sum()
        return total

    def mean_parameters(self) -> dict[str, torch.Tensor]:
        return dict(zip(self.names, self.mu))

    def sample_parameters(self, generator: torch.Generator,
                          sigmas: Sequence[torch.Tensor] | None = None
                          ) -> dict[str, torch.Tensor]:
        """One draw w = μ + σ ⊙ ε (differentiable in μ and ρ) for training."""
        sigmas = self.sigmas() if sigmas is None else sigmas
        return {n: mu + s * torch.randn(mu.shape, generator=generator, device=mu.device,
                                        dtype=mu.dtype)
                for n, mu, s in zip(self.names, self.mu, sigmas)}

    @torch.no_grad()
    def sample_parameter_batch(self, seed: int, indices: Sequence[int]
                               ) -> dict[str, torch.Tensor]:
        """Draws number `indices` (each from its own generator seeded by (seed, j)) stacked as
        name -> [len(indices), *shape]."""
        device = self.mu[0].device
        total = self.num_parameters
        noise = torch.stack([
            torch.randn(total, generator=torch_generator(s), dtype=self.mu[0].dtype).to(device)
            for s in weight_sample_seeds(seed, indices)])
        out, start = {}, 0
        for n, mu, s in zip(self.names, self.mu, self.sigmas()):
            eps = noise[:, start:start + mu.numel()].reshape(len(indices), *mu.shape)
            out[n] = mu + s * eps
            start += mu.numel()
        return out

    # ---- forward passes --------------------------------------------------------------------

    def functional(self, params: Mapping[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        return functional_call(self.network, dict(params), (x,))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The mean network (generator None) or one reparameterized draw."""
        params = self.mean_parameters() if generator is None else self.sample_parameters(generator)
        return self.functional(params, x)

    def forward_samples(self, params: Mapping[str, torch.Tensor], x: torch.Tensor
                        ) -> torch.Tensor:
        """Outputs [S, B, ...] for a batch of drawn parameter sets (`sample_parameter_batch`)."""
        return batched_forward(self.network, dict(params), x)

    def mean_network(self) -> nn.Module:
        """A plain copy of the network with Q's means as its parameters."""
        net = copy.deepcopy(self.network)
        with torch.no_grad():
            for (_, p), mu in zip(net.named_parameters(), self.mu):
                p.copy_(mu)
        return net.requires_grad_(True)
