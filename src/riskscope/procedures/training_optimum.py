"""The proven minimum of the training objective, where one is computable, for the
decomposition's optimization error.

The optimization error is measured on the training objective (DESIGN.md §1)

    J(θ) = R̂_S(f_θ) + (λ/2) ‖θ‖²      (mean squared error, weight decay λ on every parameter)

— riskscope's trainer with coupled weight decay minimizes exactly this (gd, sgd, adam; not
adamw, whose decoupled decay has other fixed points unless λ = 0). Two settings have a
certified minimum:

- model family `linear` (linear in its parameters), squared loss, any λ ≥ 0: min J by exact
  least squares (`analyses.decomposition.least_squares_optimum`); lower bound = attained value.
- a two-layer ReLU MLP (depth 1, biases, standard parameterization so that the decayed raw
  weights are the network's weights) on 1-d inputs with one output, squared loss, λ > 0: the
  convex reformulation of Pilanci & Ergen (2020) with every activation pattern enumerated and a
  dual lower bound (`analyses.decomposition.convex_relu.certified_relu_optimum`, output bias
  "penalized" because the trainer decays it too; J = (2/n) P with β = nλ/2).

`optimum_plan` says from the configuration alone whether one applies (and why not);
`certified_training_optimum` computes it on one training set; `training_objective` is J of a
trained member in float64. The certified optimization error is J(θ̂) − L, L the proven lower
bound: at least the true error, and at most it plus the certificate's gap U − L.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from riskscope.analyses.decomposition.convex_relu import (
    beta_from_weight_decay,
    certified_relu_optimum,
)
from riskscope.analyses.decomposition.least_squares_optimum import least_squares_minimum
from riskscope.models.linear_net import LinearSpec
from riskscope.models.mlp_spec import MLPSpec
from riskscope.tasks.base import Dataset, Task, pointwise_loss
from riskscope.training.config import TrainingConfig

__all__ = ["LEAST_SQUARES", "RELU_CONVEX", "RESTARTS", "OptimumPlan", "TrainingOptimum",
           "certified_training_optimum", "optimum_plan", "training_objective"]

LEAST_SQUARES = "exact: least squares (linear in the parameters, float64)"
RELU_CONVEX = ("certified: convex reformulation of the two-layer ReLU net (Pilanci & Ergen "
               "2020), every activation pattern, dual lower bound")
RESTARTS = "best of restarts on S (a lower estimate of the optimization error)"


@dataclass(frozen=True)
class OptimumPlan:
    """method: LEAST_SQUARES, RELU_CONVEX or None; reason: why none applies (else "")."""

    method: str | None
    reason: str = ""


@dataclass(frozen=True)
class TrainingOptimum:
    """lower_bound ≤ min J ≤ value (J of a network attaining it), on the training scale."""

    lower_bound: float
    value: float
    method: str
    certified: bool

    @property
    def gap(self) -> float:
        return self.value - self.lower_bound


def optimum_plan(spec, config: TrainingConfig, task: Task) -> OptimumPlan:
    """Which certified minimum of J applies to this (model, training, task), from the
    configuration alone."""
    if task.kind != "regression" or config.loss != "task":
        return OptimumPlan(None, "the training loss is not the squared error")
    if config.online:
        return OptimumPlan(None, "online training has no fixed training set")
    if config.optimizer == "adamw" and config.weight_decay > 0:
        return OptimumPlan(None, "adamw's decoupled decay does not minimize J")
    if isinstance(spec, LinearSpec):
        return OptimumPlan(LEAST_SQUARES)
    if not isinstance(spec, MLPSpec):
        return OptimumPlan(None, "no certificate for this model family")
    need = {"depth": (spec.depth, 1), "activation": (spec.activation, "relu"),
            "bias": (spec.bias, True), "parameterization": (spec.parameterization, "standard"),
            "input_dim": (spec.input_dim, 1), "output_dim": (spec.output_dim, 1)}
    for name, (given, wanted) in need.items():
        if given != wanted:
            return OptimumPlan(None, f"the convex reformulation needs {name} = {wanted!r} "
                               f"(given {given!r})")
    if config.weight_decay <= 0:
        return OptimumPlan(None, "the convex reformulation needs weight decay > 0")
    return OptimumPlan(RELU_CONVEX)


@torch.no_grad()
def training_objective(member: torch.nn.Module, train: Dataset, weight_decay: float) -> float:
    """J(θ) = mean squared error on `train` + (λ/2) ‖θ‖² of a plain member, in float64."""
    net = member.double()
    out = net(train.x.double().to(next(net.parameters()).device))
    risk = pointwise_loss("squared_error", out, train.y.double().to(out.device)).mean()
    penalty = sum(p.double().pow(2).sum() for p in net.parameters())
    return float(risk + 0.5 * weight_decay * penalty)


def certified_training_optimum(spec, config: TrainingConfig, task: Task, train: Dataset
                               ) -> TrainingOptimum | None:
    """The certified minimum of J on `train` ([n, d] inputs), or None where none applies."""
    plan = optimum_plan(spec, config, task)
    lam = config.weight_decay
    if plan.method == LEAST_SQUARES:
        x = train.x.double().cpu()[:, : spec.num_features]
        if spec.bias:
            x = torch.cat([x, torch.ones(len(x), 1, dtype=torch.float64)], 1)
        value, _ = least_squares_minimum(x, train.y, lam)
        return TrainingOptimum(value, value, plan.method, True)
    if plan.method == RELU_CONVEX:
        n = len(train)
        x = train.x[:, 0].double().cpu().numpy()
        y = train.y[:, 0].double().cpu().numpy()
        cert = certified_relu_optimum(x, y, beta_from_weight_decay(lam, n),
                                      output_bias="penalized")
        scale = 2.0 / n
        return TrainingOptimum(cert.lower_bound * scale, cert.optimal_value * scale,
                               plan.method, bool(cert.certified))
    return None
