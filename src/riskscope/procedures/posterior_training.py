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

The steps run through the one trainer (`train_ensemble`): the bound objective is a
`TrainingObjective` over Q's variational parameters with its torch optimizer, the batches
come from `FixedBatches.one_model`, and the history is a recorder (on the CPU bit for bit the
loop this replaced; tests/procedures/test_posterior_prior_bitwise.py).
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
from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches
from riskscope.training.log_steps import log_spaced_steps
from riskscope.training.objective import TrainingObjective
from riskscope.training.recorders import RecordAt, Recorder
from riskscope.training.trainer import train_ensemble


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


class _BoundObjective:
    """The training objective of one step: a reparameterized draw, the bounded cross-entropy
    on the batch, KL(Q‖P) from the current parameters; keeps the last KL and risk."""

    def __init__(self, posterior: GaussianPosterior, objective: Objective, n_bound: int,
                 delta: float, p_min: float, noise: torch.Generator):
        self.posterior, self.objective, self.n_bound = posterior, objective, n_bound
        self.delta, self.p_min, self.noise = delta, p_min, noise
        self.kl = self.risk = torch.zeros(())

    def __call__(self, batch: Dataset) -> torch.Tensor:
        posterior = self.posterior
        sigmas = posterior.sigmas()  # once per step, for the draw and the KL
        logits = posterior.functional(posterior.sample_parameters(self.noise, sigmas), batch.x)
        risk = bounded_cross_entropy(logits, batch.y, self.p_min).mean()
        kl = posterior.kl_divergence(sigmas)
        self.kl, self.risk = kl.detach(), risk.detach()
        return training_objective(self.objective, risk.double(), kl, self.n_bound, self.delta)


class _HistoryRecorder(Recorder):
    """The objective, KL and bounded cross-entropy of the logged steps' batches, and at the
    end of the run of one more batch (the posterior as trained)."""

    wants_gradients = True

    def __init__(self, objective: _BoundObjective, batches: FixedBatches, log_at: set[int]):
        self.objective, self.batches, self.log_at = objective, batches, log_at
        self.at = RecordAt(at_end=True)
        self.history = PosteriorHistory()

    def _append(self, step: int, value: torch.Tensor) -> None:
        self.history.steps.append(step)
        self.history.objective.append(float(value))
        self.history.kl.append(float(self.objective.kl))
        self.history.bounded_cross_entropy.append(float(self.objective.risk))

    def on_gradients(self, step, loss_m, grads, active):
        if step in self.log_at:
            self._append(step, loss_m[0])
        return None

    def record(self, ensemble, step, active):
        if self.history.steps and self.history.steps[-1] == step:
            return None  # stopped (diverged) at a logged step: nothing moved since
        with torch.no_grad():
            self._append(step, self.objective(self.batches.next()))
        return None


def train_posterior(posterior: GaussianPosterior, data: Dataset, *, bound_set_size: int,
                    objective: Objective = "quadratic", delta: float = 0.025,
                    prior_grid_size: int = 1, steps: int = 1000, optimizer: str = "adam",
                    lr: float = 0.001, momentum: float = 0.95, batch_size: int = 256,
                    p_min: float = 1e-4, seed: int = 0, log_points: int = 20
                    ) -> PosteriorHistory:
    """Minimize the objective over Q's means and scales, in place; returns the history (the
    logged steps' mini-batch values, and one more batch's at the end)."""
    if objective not in OBJECTIVES:
        raise SpecError("objective", objective, "one of " + ", ".join(OBJECTIVES))
    n_bound = check_bound_set_size(bound_set_size)
    delta_each = check_delta(delta) / check_bound_set_size(prior_grid_size, "prior_grid_size")
    check_p_min(p_min)
    if len(data) == 0:
        raise SpecError("data", "no examples", "at least one training example")
    if steps <= 0:
        return PosteriorHistory()
    device = posterior.mu[0].device
    batch = min(batch_size, len(data)) if batch_size > 0 else len(data)
    params = posterior.variational_parameters()
    if optimizer == "adam":
        step_rule = torch.optim.Adam(params, lr=lr, foreach=True)
    elif optimizer == "sgd":
        step_rule = torch.optim.SGD(params, lr=lr, momentum=momentum, foreach=True)
    else:
        raise SpecError("optimizer", optimizer, "adam or sgd")
    bound = _BoundObjective(posterior, objective, n_bound, delta_each, p_min,
                            torch_generator(derive_seed(seed, "posterior-noise"), device))
    batches = FixedBatches.one_model(data.to(device), batch,
                                     derive_seed(seed, "posterior-batches"))
    history = _HistoryRecorder(bound, batches, set(log_spaced_steps(steps, log_points)))
    train_ensemble(posterior, None, batches, TrainingConfig(steps=steps, batch_size=batch),
                   None, None, recorders=[history], measure=False,
                   objective=TrainingObjective(bound, params, step_rule))
    return history.history
