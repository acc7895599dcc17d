"""The integrated error analysis of one configuration over a seed design.

One configuration (task, architecture, training, n) is trained for every (seed, data seed)
pair of the design as one ensemble. The minimum of the training objective on each training
set is certified where `procedures.training_optimum` has a certificate (model family `linear`:
exact least squares; a two-layer ReLU MLP with weight decay on 1-d inputs: the convex
reformulation of Pilanci & Ergen 2020), and the optimization error is then J(θ̂) − L on the
objective J = R̂_S + (λ/2)‖θ‖², L the proven lower bound (no restarts are run). Elsewhere,
extra restarts trained longer give the best training risk found on it (a lower estimate of
the optimization error); each row's `optimization_error_method` says which. Population risks
come from fresh samples; the best-in-class risk comes from `estimate_best_in_class`. Each
member's excess risk is then split by `decompose_excess_risk`, and the ensemble's predictions
on a common evaluation sample give bias, variance and the variance's split into
initialization and data parts (`bias_variance_decomposition`, squared-loss regression with a
known target only).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from riskscope.analyses.decomposition.components import decompose_excess_risk
from riskscope.analyses.decomposition.variance import bias_variance_decomposition
from riskscope.core.estimate import Estimate
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.models.mlp_spec import MLPSpec
from riskscope.probes.population_risk import ensemble_population_risk
from riskscope.procedures.training_optimum import (
    RESTARTS,
    certified_training_optimum,
    optimum_plan,
    training_objective,
)
from riskscope.tasks.base import Dataset, Task
from riskscope.training.config import TrainingConfig
from riskscope.training.fit import FittedEnsemble, MemberSeeds, fit_ensemble


@dataclass
class DesignDecomposition:
    """Per-member flat results (one dict per (seed, data seed) pair, in order), the group's
    bias/variance results, and the fitted ensemble (for trajectories and parameters)."""

    members: list[dict]
    group: dict
    fitted: FittedEnsemble
    restarts: FittedEnsemble | None = None
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time per phase: `training` (the design's ensemble, with its logged evaluations),
    `restarts` (the longer runs behind the optimization error) and `analysis` (population
    risks, bias/variance, the split itself)."""


def _final_train_risk(fitted: FittedEnsemble) -> np.ndarray:
    traj = fitted.trajectory
    return traj.final("train_risk" if "train_risk" in traj.metrics else "train_loss")


def _restarts(task: Task, spec: MLPSpec, config: TrainingConfig, n_train: int,
              data_seeds: list[int], lr: float, count: int, step_factor: float,
              device, progress) -> FittedEnsemble | None:
    """`count` longer runs from fresh initializations on each distinct training set."""
    if count == 0:
        return None
    longer = config.model_copy(update={"steps": round(config.steps * step_factor),
                                       "log_points": min(config.log_points, 12)})
    members = [MemberSeeds(derive_seed(d, "restart-init", r), derive_seed(d, "restart-batch", r),
                           d, lr) for d in data_seeds for r in range(count)]
    return fit_ensemble(task, spec, longer, members, n_train, device=device, progress=progress)


def _member_set(train: Dataset, k: int) -> Dataset:
    return Dataset(train.x[k], train.y[k]) if train.x.dim() == 3 else train


def _certified_rows(task: Task, spec, config: TrainingConfig, fitted: FittedEnsemble,
                    members: Sequence[MemberSeeds], train_risk: np.ndarray
                    ) -> tuple[dict[int, float], list[dict]]:
    """Per member: (effective best training risk R̂_S(f̂) − (J(θ̂) − L), certificate columns).
    One certificate per training set."""
    cache, best, extra = {}, {}, []
    for k, m in enumerate(members):
        train = _member_set(fitted.train_data, k)
        if m.data_seed not in cache:
            cache[m.data_seed] = certified_training_optimum(spec, config, task, train)
        opt = cache[m.data_seed]
        objective = training_objective(fitted.ensemble.member(k), train, m.weight_decay)
        error = objective - opt.lower_bound
        best[k] = float(train_risk[k]) - error
        extra.append({"optimization_error_method": opt.method, "trained_objective": objective,
                      "objective_lower_bound": opt.lower_bound,
                      "certificate_gap": opt.gap, "certified": float(opt.certified)})
    return best, extra


def _bias_variance(task: Task, fitted: FittedEnsemble, pairs: Sequence[tuple[int, int]],
                   eval_data: Dataset) -> dict:
    target_fn = getattr(task, "target", None)
    seeds = sorted({s for s, _ in pairs})
    data = sorted({d for _, d in pairs})
    full_design = len(set(pairs)) == len(pairs) == len(seeds) * len(data) and len(pairs) > 1
    if task.kind != "regression" or target_fn is None or not full_design:
        return {}
    with torch.no_grad():
        pred = fitted.ensemble(eval_data.x).double().cpu()
        target = target_fn(eval_data.x.cpu()).double()
    grid = torch.empty(len(seeds), len(data), *pred.shape[1:], dtype=torch.float64)
    for k, (s, d) in enumerate(pairs):
        grid[seeds.index(s), data.index(d)] = pred[k]
    if not torch.isfinite(grid).all():
        return {}
    return bias_variance_decomposition(grid, target).flat()


def decompose_design(task: Task, spec: MLPSpec, config: TrainingConfig, n_train: int,
                     pairs: Sequence[tuple[int, int]], best_in_class: Estimate | None,
                     eval_data: Dataset, risk_samples: int, extra_restarts: int = 2,
                     restart_step_factor: float = 2.0, confidence: float = 0.95,
                     risk_seed: int = 0, device: torch.device | str = "cpu",
                     progress: Callable[[int], None] | None = None) -> DesignDecomposition:
    """pairs: (seed, data seed) of each member, in the order results are returned."""
    members = [MemberSeeds.from_trial_seeds(s, d, config.lr, config.weight_decay)
               for s, d in pairs]
    clock = [time.perf_counter()]
    seconds: dict[str, float] = {}

    def lap(phase: str) -> None:
        now = time.perf_counter()
        seconds[phase] = seconds.get(phase, 0.0) + now - clock[0]
        clock[0] = now

    fitted = fit_ensemble(task, spec, config, members, n_train, device=device,
                          eval_data=eval_data, progress=progress)
    lap("training")
    train_risk = _final_train_risk(fitted)
    sets = sorted({m.data_seed for m in members})
    plan = optimum_plan(spec, config, task)
    restarts = None if plan.method else _restarts(
        task, spec, config, n_train, sets, config.lr, extra_restarts, restart_step_factor,
        device, progress)
    lap("restarts")
    best: dict[int, float] = {}
    for m, r in zip(members, train_risk):
        best[m.data_seed] = np.nanmin([best.get(m.data_seed, math.inf), r])
    if restarts is not None:
        restart_risk = _final_train_risk(restarts)
        for k, d in enumerate(d for d in sets for _ in range(extra_restarts)):
            best[d] = np.nanmin([best[d], restart_risk[k]])
    member_best = {k: float(best[m.data_seed]) for k, m in enumerate(members)}
    certificate = [{"optimization_error_method": RESTARTS, "trained_objective": math.nan,
                    "objective_lower_bound": math.nan, "certificate_gap": math.nan,
                    "certified": 0.0}] * len(members)
    if plan.method:
        member_best, certificate = _certified_rows(task, spec, config, fitted, members,
                                                   train_risk)
    risks = ensemble_population_risk(task, fitted.ensemble, risk_samples,
                                     torch_generator(derive_seed(risk_seed, "population")),
                                     confidence=confidence)
    bayes = task.bayes_risk()
    bayes_value = None if bayes is None else bayes.value
    group = _bias_variance(task, fitted, pairs, eval_data)
    out = []
    for k in range(len(members)):
        diverged = fitted.trajectory.stop_reason[k] == "diverged"
        parts = decompose_excess_risk(risks[k], float(train_risk[k]), member_best[k],
                                      best_in_class, bayes_value)
        row = {
            "population_risk": risks[k].value,
            "population_risk_ci_low": risks[k].ci_low,
            "population_risk_ci_high": risks[k].ci_high,
            "population_risk_method": risks[k].method,
            "train_risk": float(train_risk[k]),
            "best_train_risk": member_best[k],
            **certificate[k],
            "bayes_risk": math.nan if bayes_value is None else bayes_value,
            "best_in_class_risk": math.nan if best_in_class is None else best_in_class.value,
            **parts.flat(),
            **group,
            "stop_reason": fitted.trajectory.stop_reason[k],
            "stop_step": int(fitted.trajectory.stop_step[k]),
        }
        if diverged:
            row = {k_: (math.nan if isinstance(v, float) else v) for k_, v in row.items()}
        out.append(row)
    notes = []
    if bayes_value is None:
        notes.append("the task has no known Bayes risk: excess risk, approximation error and "
                     "remainder are not computable; optimization error and generalization gap "
                     "are reported")
    notes.append(f"optimization error: {plan.method}" if plan.method else
                 f"optimization error: {RESTARTS} ({plan.reason})")
    lap("analysis")
    return DesignDecomposition(out, group, fitted, restarts, notes, seconds)
