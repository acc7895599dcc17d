"""The best-in-class risk R(f_F), estimated in the large-data limit.

The architecture is trained online — a fresh batch from the task at every step, so no sample
is ever reused and the run approaches the population-risk minimizer rather than an empirical
one ("ideal world" training, Nakkiran, Neyshabur & Sedghi 2021) — from several random
restarts. The best restart is *selected* on one fresh validation sample and its risk is then
*estimated* on another, independent fresh sample, so the selection does not bias the estimate
downward. The result upper-estimates inf_F R(f): training may not reach the best network.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.models.mlp_spec import MLPSpec
from riskscope.probes.population_risk import ensemble_population_risk
from riskscope.tasks.base import Task, pointwise_loss
from riskscope.training.config import TrainingConfig
from riskscope.training.fit import MemberSeeds, fit_ensemble


@dataclass(frozen=True)
class BestInClass:
    risk: Estimate                     # R(f_F) of the selected restart, fresh-sample CI
    restart_validation_risks: list[float]
    selected: int
    steps: int
    seconds: dict[str, float] = field(default_factory=dict)  # wall time: training, analysis

    def flat(self) -> dict:
        return {"best_in_class_risk": self.risk.value,
                "best_in_class_risk_ci_low": self.risk.ci_low,
                "best_in_class_risk_ci_high": self.risk.ci_high,
                "best_in_class_method": self.risk.method,
                "restarts": len(self.restart_validation_risks),
                "selected_restart": self.selected,
                "restart_risk_max": max(self.restart_validation_risks),
                "restart_risk_min": min(self.restart_validation_risks)}


def estimate_best_in_class(task: Task, spec: MLPSpec, config: TrainingConfig, restarts: int,
                           seed: int, risk_samples: int, validation_samples: int = 20000,
                           device: torch.device | str = "cpu", confidence: float = 0.95,
                           progress: Callable[[int], None] | None = None) -> BestInClass:
    """Train `restarts` members online with `config`; keep the best; estimate its risk."""
    if task.finite:
        raise SpecError("task", task.name, "a task that can draw fresh samples (the best-in-"
                        "class risk needs the large-data limit; finite data sets cannot)")
    if not config.online:
        raise SpecError("training.online", False, "true for the best-in-class estimate")
    members = [MemberSeeds(derive_seed(seed, "restart", r), derive_seed(seed, "batch", r),
                           seed, config.lr) for r in range(restarts)]
    start = time.perf_counter()
    fitted = fit_ensemble(task, spec, config, members, n_train=0, device=device,
                          progress=progress)
    trained = time.perf_counter()
    ens = fitted.ensemble
    val = task.sample(validation_samples, torch_generator(derive_seed(seed, "validation")))
    with torch.no_grad():
        out = ens(val.x.to(ens.stacked_parameters()[0].device))
        val_risk = pointwise_loss(task.default_metric, out, val.y.to(out.device)).mean(-1)
    val_risk = torch.nan_to_num(val_risk.double(), nan=float("inf")).cpu()
    best = int(torch.argmin(val_risk))
    chosen = type(ens).from_members([ens.member(best)])
    risk = ensemble_population_risk(task, chosen, risk_samples,
                                    torch_generator(derive_seed(seed, "estimate")),
                                    confidence=confidence)[0]
    seconds = {"training": trained - start, "analysis": time.perf_counter() - trained}
    return BestInClass(risk, val_risk.tolist(), best, fitted.trajectory.steps_run, seconds)
