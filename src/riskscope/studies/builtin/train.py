"""Built-in study `train`: train an ensemble on a task and record the trajectories.

Per trial: the metric trajectories at log-spaced steps, the final training loss and risk, the
population risk with a confidence interval, the Bayes risk where the task knows it, the excess
risk and the generalization gap, how the member stopped, and (optionally) its parameters.
"""

from __future__ import annotations

import math

from pydantic import Field

from riskscope.core.rng import derive_seed, torch_generator
from riskscope.core.validation import Params
from riskscope.probes.population_risk import ensemble_population_risk
from riskscope.studies.cards.train import CARD
from riskscope.studies.fit_group import fit_group
from riskscope.studies.registry import register_study
from riskscope.studies.study import ALL_FAMILIES, GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial


class TrainOptions(Params):
    risk_samples: int = Field(default=20000, gt=0, description="fresh samples for the risk CI")
    confidence: float = Field(default=0.95, gt=0, lt=1)
    save_parameters: bool = True


_TASK = {"name": "teacher-student-regression", "input_dim": 8, "teacher_width": 16,
         "teacher_depth": 1, "noise_std": 0.1}


@register_study
class TrainStudy(Study):
    card = CARD
    Options = TrainOptions
    supported_families = ALL_FAMILIES
    presets = {
        "smoke": {
            "seeds": 2,
            "task": dict(_TASK, input_dim=4, teacher_width=8),
            "model": {"width": 16, "depth": 2},
            "training": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "steps": 150,
                         "log_points": 12},
            "data": {"n_train": 64, "eval_samples": 1024},
            "options": {"risk_samples": 2000},
            "grid": {"model.width": [8, 32]},
        },
        "full": {
            "seeds": 4,
            "task": dict(_TASK, input_dim=16, teacher_width=32, teacher_depth=2),
            "model": {"width": 64, "depth": 2},
            "training": {"optimizer": "adam", "lr": 0.003, "steps": 4000, "batch_size": 128,
                         "schedule": "cosine", "log_points": 40},
            "data": {"n_train": 1024, "eval_samples": 8192},
            "grid": {"model.width": [16, 64, 256], "data.n_train": [256, 1024]},
        },
    }

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        fitted = fit_group(trials, ctx)
        opts = TrainOptions(**trials[0].section("options"))
        task, ens, traj = fitted.task, fitted.ensemble, fitted.trajectory
        gen = torch_generator(derive_seed(trials[0].seed, "population-risk"))
        risks = ensemble_population_risk(task, ens, opts.risk_samples, gen,
                                         confidence=opts.confidence)
        bayes = task.bayes_risk()
        train_risk = traj.final("train_risk" if "train_risk" in traj.metrics else "train_loss")
        outcomes = []
        for i in range(len(trials)):
            diverged = traj.stop_reason[i] == "diverged"
            risk = risks[i]
            result = {
                "train_loss": float(traj.final("train_loss")[i]),
                "train_risk": float(train_risk[i]),
                "test_risk": float(traj.final("test_risk" if "test_risk" in traj.metrics
                                              else "test_loss")[i]),
                "population_risk": math.nan if diverged else risk.value,
                "population_risk_ci_low": math.nan if diverged else risk.ci_low,
                "population_risk_ci_high": math.nan if diverged else risk.ci_high,
                "population_risk_method": risk.method,
                "bayes_risk": math.nan if bayes is None else bayes.value,
                "excess_risk": math.nan if bayes is None or diverged else risk.value - bayes.value,
                "generalization_gap": math.nan if diverged else risk.value - float(train_risk[i]),
                "stop_reason": traj.stop_reason[i],
                "stop_step": int(traj.stop_step[i]),
                "num_parameters": ens.spec.num_parameters,
                "group_size": len(trials),
                "group_wall_s": traj.wall_s,
            }
            artifacts = {}
            if opts.save_parameters and not diverged:
                artifacts["parameters"] = {k: v.detach().cpu().contiguous()
                                           for k, v in ens.member(i).state_dict().items()}
            outcomes.append(TrialOutcome(status="diverged" if diverged else "done",
                                         result=result, metrics=traj.member_series(i),
                                         artifacts=artifacts))
        return outcomes
