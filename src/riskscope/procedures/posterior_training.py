"""Train a Gaussian posterior by minimizing a PAC-Bayes bound (PAC-Bayes with backprop,
Pérez-Ortiz, Rivasplata, Shawe-Taylor & Szepesvári 2021, JMLR).

Each step draws one weight sample by reparameterization, evaluates the bounded cross-entropy
(surrogate of the 0-1 error, in [0, 1]) on a mini-batch, recomputes KL(Q‖P) from the current
parameters, and takes a step on the chosen objective (classic, quadratic or
lambda, see pac_bayes_bounds.py) with n = the bound-set size and δ/k for a grid of k priors,
with Adam (default) or SGD with momentum (the paper's choice).
The posterior may be trained on all the data, including the prior's split (Pérez-Ortiz et al.
2021); only the certificate is restricted to the bound set. The objective is a training device;
the certificate (certificate.py) is computed afresh afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from riskscope.analyses.bounds.gaussian_posterior import GaussianPosterior
from riskscope.analyses.bounds.monte_carlo import bounded_cross_entropy, check_p_min
from riskscope.analyses.bounds.pac_bayes_bounds import (
    OBJECTIVES,
    Objective,
    check_bound_set_size,
    check_delta,
    training_objective,
)
from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.tasks.base import Dataset
from riskscope.training.log_steps import log_spaced_steps


@dataclass
class PosteriorHistory:
    """Per logged step: the objective, KL and the mini-batch bounded cross-entropy."""

    steps: list[int] = field(default_factory=list)
    objective: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)
    bounded_cross_entropy: list[float] = field(default_factory=list)

    def series(self) -> dict[str, tuple[list[int], list[float]]]:
        return {"posterior_objective": (self.steps, self.objective),
                "posterior_kl": (self.steps, self.kl),
                "posterior_bounded_cross_entropy": (self.steps, self.bounded_cross_entropy)}


def train_posterior(posterior: GaussianPosterior, data: Dataset, *, bound_set_size: int,
                    objective: Objective = "quadratic", delta: float = 0.025,
                    prior_grid_size: int = 1, steps: int = 1000, optimizer: str = "adam",
                    lr: float = 0.001, momentum: float = 0.95, batch_size: int = 256,
                    p_min: float = 1e-4, seed: int = 0, log_points: int = 20
                    ) -> PosteriorHistory:
    """Minimize the objective over Q's means and scales, in place; returns the history."""
    if objective not in OBJECTIVES:
        raise SpecError("objective", objective, "one of " + ", ".join(OBJECTIVES))
    n_bound = check_bound_set_size(bound_set_size)
    delta_each = check_delta(delta) / check_bound_set_size(prior_grid_size, "prior_grid_size")
    check_p_min(p_min)
    if len(data) == 0:
        raise SpecError("data", "no examples", "at least one training example")
    history = PosteriorHistory()
    if steps == 0:
        return history
    device = posterior.mu[0].device
    x_all, y_all = data.x.to(device), data.y.to(device)
    batch = min(batch_size, len(data)) if batch_size > 0 else len(data)
    order_gen = torch_generator(derive_seed(seed, "posterior-batches"))
    noise_gen = torch_generator(derive_seed(seed, "posterior-noise"), device)
    params = posterior.variational_parameters()
    if optimizer == "adam":
        step_rule = torch.optim.Adam(params, lr=lr, foreach=True)
    elif optimizer == "sgd":
        step_rule = torch.optim.SGD(params, lr=lr, momentum=momentum, foreach=True)
    else:
        raise SpecError("optimizer", optimizer, "adam or sgd")
    log_at = set(log_spaced_steps(steps, log_points))
    order, pos = torch.randperm(len(data), generator=order_gen), 0
    for step in range(steps + 1):
        if pos + batch > len(data):
            order, pos = torch.randperm(len(data), generator=order_gen), 0
        idx = order[pos:pos + batch].to(device)
        pos += batch
        sigmas = posterior.sigmas()  # once per step, for the draw and the KL
        logits = posterior.functional(posterior.sample_parameters(noise_gen, sigmas),
                                      x_all[idx])
        risk = bounded_cross_entropy(logits, y_all[idx], p_min).mean()
        kl = posterior.kl_divergence(sigmas)
        loss = training_objective(objective, risk.double(), kl, n_bound, delta_each)
        if step in log_at or step == steps:
            history.steps.append(step)
            history.objective.append(float(loss.detach()))
            history.kl.append(float(kl.detach()))
            history.bounded_cross_entropy.append(float(risk.detach()))
        if step == steps:
            break
        step_rule.zero_grad(set_to_none=True)
        loss.backward()
        step_rule.step()
    return history
