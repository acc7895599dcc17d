"""Built-in study `decomposition`: the integrated error analysis (DESIGN.md §1).

Teacher–student regression; n log-spaced over two decades or more; student widths below, at
and above the teacher's; a cross design of initialization seeds (`seeds`) × training sets
(`grid.data_seed`). Each (width, n) is one ensemble run whole (statistics across its members:
best training risk per training set, bias and variance). The best-in-class risk of each
width is a prerequisite trial (online training, restarts), shared by every n. The
optimization error is certified where `procedures.training_optimum` applies (family `linear`;
two-layer ReLU MLP with weight decay on 1-d inputs) and each row names its method.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from riskscope.core.estimate import Estimate
from riskscope.core.rng import derive_seed
from riskscope.core.validation import Params
from riskscope.procedures import decompose_design, estimate_best_in_class
from riskscope.procedures.training_optimum import optimum_plan
from riskscope.studies.cards.decomposition import CARD
from riskscope.studies.fit_group import evaluation_sample
from riskscope.studies.registry import register_study
from riskscope.studies.study import ALL_FAMILIES, GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial
from riskscope.training.config import TrainingConfig


class DecompositionOptions(Params):
    role: Literal["main", "best-in-class"] = "main"
    risk_samples: int = Field(default=50000, gt=1)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    extra_restarts: int = Field(default=2, ge=0, description="longer runs per training set")
    restart_step_factor: float = Field(default=2.0, ge=1)
    best_in_class_restarts: int = Field(default=4, ge=1)
    best_in_class_steps: int = Field(default=6000, ge=1)
    best_in_class_batch: int = Field(default=512, ge=1)
    best_in_class_lr: float = Field(default=0.003, gt=0)
    expected_exponents: dict[str, float] = Field(
        default_factory=dict,
        description="theory to check, e.g. {'generalization_gap:data.n_train': -1.0}")


def _options(trial: Trial) -> DecompositionOptions:
    return DecompositionOptions(**trial.section("options"))


_TEACHER = {"name": "teacher-student-regression", "teacher_depth": 1, "activation": "relu"}


@register_study
class DecompositionStudy(Study):
    card = CARD
    supported_families = ALL_FAMILIES
    Options = DecompositionOptions
    whole_groups = True
    presets = {
        "smoke": {
            "seeds": 2,
            "task": dict(_TEACHER, input_dim=2, teacher_width=3, noise_std=0.5),
            "model": {"width": 3, "depth": 1},
            "training": {"optimizer": "adam", "lr": 0.02, "steps": 400, "batch_size": 0,
                         "schedule": "cosine", "log_points": 12},
            "data": {"n_train": 64, "eval_samples": 2048},
            "options": {"risk_samples": 20000, "extra_restarts": 1,
                        "restart_step_factor": 1.5, "best_in_class_restarts": 2,
                        "best_in_class_steps": 1500, "best_in_class_batch": 256,
                        "best_in_class_lr": 0.01,
                        "expected_exponents": {"generalization_gap:data.n_train": -1.0}},
            "grid": {"model.width": [1, 3, 12], "data.n_train": [16, 160, 1600],
                     "data_seed": [100, 101]},
        },
        "full": {
            "seeds": 3,
            "task": dict(_TEACHER, input_dim=8, teacher_width=8, noise_std=0.5),
            "model": {"width": 8, "depth": 1},
            "training": {"optimizer": "adam", "lr": 0.01, "steps": 3000, "batch_size": 0,
                         "schedule": "cosine", "log_points": 30},
            "data": {"n_train": 256, "eval_samples": 4096},
            "options": {"risk_samples": 100000, "extra_restarts": 2,
                        "restart_step_factor": 2.0, "best_in_class_restarts": 4,
                        "best_in_class_steps": 8000, "best_in_class_batch": 512,
                        "best_in_class_lr": 0.005,
                        "expected_exponents": {"generalization_gap:data.n_train": -1.0}},
            "grid": {"model.width": [2, 4, 8, 32], "data.n_train": [32, 100, 316, 1000, 3162],
                     "data_seed": [100, 101, 102]},
        },
        # the analytic oracle (docs/decomposition.md): every component has a closed form;
        # GD from zero is deterministic, so the spread over data seeds is the sampling spread
        "oracle": {
            "seeds": 1,
            "task": {"name": "gaussian-design", "input_dim": 4, "nonlinear_scale": 0.7,
                     "noise_std": 0.5},
            "model": {"family": "linear", "features": 2},
            "training": {"optimizer": "gd", "lr": 0.2, "steps": 150, "batch_size": 0,
                         "schedule": "constant", "log_points": 12},
            "data": {"n_train": 12, "eval_samples": 2048},
            "options": {"risk_samples": 20000, "extra_restarts": 0,
                        "best_in_class_restarts": 2, "best_in_class_steps": 1500,
                        "best_in_class_batch": 256, "best_in_class_lr": 0.01},
            "grid": {"data.n_train": [12, 48, 192], "data_seed": [100, 101, 102, 103]},
        },
    }

    def prerequisites(self, trial: Trial) -> list[Trial]:
        opts = _options(trial)
        task = trial.task()
        if opts.role != "main" or task.finite or task.bayes_risk() is None:
            return []
        online = TrainingConfig(optimizer="adam", lr=opts.best_in_class_lr,
                                steps=opts.best_in_class_steps,
                                batch_size=opts.best_in_class_batch, online=True,
                                schedule="cosine", log_points=20)
        params = dict(trial.params)
        params.update(training=online.model_dump(), seed=0, data_seed=0,
                      data={"n_train": 1, "eval_samples": trial.section("data")["eval_samples"]},
                      options={**trial.section("options"), "role": "best-in-class"})
        return [Trial(params)]

    def work_steps(self, trial: Trial) -> int:
        steps = trial.section("training")["steps"]
        opts = _options(trial)
        if opts.role == "best-in-class":
            return steps
        task = trial.task()
        if optimum_plan(trial.model_spec(task), trial.training(), task).method:
            return steps  # a certified optimum replaces the restarts
        return steps + (round(steps * opts.restart_step_factor) if opts.extra_restarts else 0)

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        if _options(trials[0]).role == "best-in-class":
            return [self._best_in_class(t, ctx) for t in trials]
        return self._main(trials, ctx)

    def _best_in_class(self, trial: Trial, ctx: GroupContext) -> TrialOutcome:
        task = trial.task()
        opts = _options(trial)
        best = estimate_best_in_class(
            task, trial.model_spec(task), trial.training(), opts.best_in_class_restarts,
            seed=derive_seed(0, "best-in-class"), risk_samples=opts.risk_samples,
            device=ctx.device, confidence=opts.confidence, progress=ctx.progress)
        bayes = task.bayes_risk().value
        result = {**best.flat(), "bayes_risk": bayes,
                  "seconds_best_in_class_training": best.seconds["training"],
                  "seconds_best_in_class_analysis": best.seconds["analysis"],
                  "approximation_error": best.risk.value - bayes,
                  "approximation_error_ci_low": best.risk.ci_low - bayes,
                  "approximation_error_ci_high": best.risk.ci_high - bayes}
        return TrialOutcome("done", result)

    def _main(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        task = trials[0].task()
        opts = _options(trials[0])
        prereq = self.prerequisites(trials[0])
        best_in_class = None
        if prereq and prereq[0].hash in ctx.inputs:
            r = ctx.inputs[prereq[0].hash]
            best_in_class = Estimate(r["best_in_class_risk"], math.nan,
                                     r["best_in_class_risk_ci_low"],
                                     r["best_in_class_risk_ci_high"], opts.confidence,
                                     "online restarts, best on validation")
        config = trials[0].training()
        design = decompose_design(
            task, trials[0].model_spec(task), config, trials[0].section("data")["n_train"],
            [(t.seed, t.data_seed) for t in trials], best_in_class,
            evaluation_sample(task, trials[0]).to(ctx.device), opts.risk_samples,
            opts.extra_restarts, opts.restart_step_factor, opts.confidence,
            risk_seed=derive_seed(trials[0].data_seed, "risk"), device=ctx.device,
            progress=ctx.progress)
        traj = design.fitted.trajectory
        # each member carries its share of the group's wall time, so sums over rows add up
        share = {f"seconds_{phase}": s / len(trials) for phase, s in design.seconds.items()}
        outcomes = []
        for k, row in enumerate(design.members):
            row = {**row, **share, "num_parameters": design.fitted.ensemble.spec.num_parameters,
                   "notes": "; ".join(design.notes)}
            status = "diverged" if traj.stop_reason[k] == "diverged" else "done"
            outcomes.append(TrialOutcome(status, row, traj.member_series(k)))
        return outcomes
