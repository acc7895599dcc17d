"""Built-in study `lazy-vs-rich`: NTK drift and weight movement vs width per parameterization.

Networks in standard, NTK and mean-field parameterization (models/mlp_spec.py) are trained by
full-batch GD with a step scaled per parameterization so that the initial function-space step
η·Θ₀ is width-independent: the member's step is η = η₀ · s with η₀ = `training.lr` and

    s = 1 (ntk),   s = 1/width (standard),   s = width (mean-field)

(in standard parameterization the tangent kernel with respect to the raw weights grows like
the width; in mean-field it shrinks like 1/width). Biases have multiplier 1 in every
parameterization, so the presets use networks without biases (a mean-field bias would get a
width-times larger step and diverge; such a spec is refused). Per trial: the relative NTK drift
‖Θ_T − Θ₀‖_F/‖Θ₀‖_F and kernel correlation on `options.probe_points` training inputs, the
relative weight change ‖θ_T − θ₀‖/‖θ₀‖, the final training loss and the step used. The log–log
slopes vs width per parameterization come from `lazy_vs_rich_slopes(trials)`
(analyses/curvature/lazy_training.py); the generic report fits the same power laws. Expected:
slope ≈ −½ in NTK parameterization (Lee et al. 2019), no decay in mean-field (Chizat, Oyallon &
Bach 2019) — stated as built-in claims (riskscope/claims/builtin/lazy-*.toml), checked by
`riskscope claims check`. `options.predicted_exponents` is kept (ignored) so that stored trials
keep their hashes.
"""

from __future__ import annotations

from pydantic import Field

from riskscope.analyses.curvature.lazy_training import kernel_change, relative_weight_change
from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.models.families import build_ensemble
from riskscope.probes.kernels.empirical_ntk import empirical_ntk
from riskscope.studies.cards.lazy_vs_rich import CARD
from riskscope.studies.fit_group import evaluation_sample, member_seeds
from riskscope.studies.registry import register_study
from riskscope.studies.study import ALL_FAMILIES, GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial
from riskscope.training.fit import MemberSeeds, fit_ensemble


class LazyVsRichOptions(Params):
    probe_points: int = Field(default=32, ge=2, description="training inputs the NTK is taken on")
    scale_lr: bool = Field(default=True, description="η = η₀·s(parameterization, width)")
    predicted_exponents: dict[str, dict[str, float]] = Field(
        default_factory=lambda: {"relative_ntk_drift": {"model.width": -0.5},
                                 "relative_weight_change": {"model.width": -0.5}},
        description="kept only so that stored trials keep their hashes; nothing reads it. "
                    "The stated exponents are built-in claims now: "
                    "lazy-ntk-weight-change-width-rate, lazy-ntk-kernel-drift-width-rate "
                    "(`riskscope claims check`, docs/claims.md)")


def step_scale(parameterization: str, width: int) -> float:
    """s(parameterization, width): 1 (ntk), 1/width (standard), width (mean-field)."""
    return {"ntk": 1.0, "standard": 1.0 / width, "mean-field": float(width)}[parameterization]


_TASK = {"name": "teacher-student-regression", "teacher_depth": 1, "activation": "relu",
         "noise_std": 0.0}


@register_study
class LazyVsRichStudy(Study):
    card = CARD
    supported_families = ALL_FAMILIES
    Options = LazyVsRichOptions
    presets = {
        "smoke": {
            "seeds": 2,
            "task": dict(_TASK, input_dim=4, teacher_width=4),
            "model": {"width": 16, "depth": 1, "bias": False},
            "training": {"optimizer": "gd", "batch_size": 0, "lr": 0.5, "steps": 40,
                         "log_points": 5},
            "data": {"n_train": 32, "eval_samples": 64},
            "options": {"probe_points": 8},
            "grid": {"model.width": [16, 256],
                     "model.parameterization": ["ntk", "mean-field", "standard"]},
        },
        "full": {
            "seeds": 3,
            "task": dict(_TASK, input_dim=8, teacher_width=16),
            "model": {"width": 64, "depth": 1, "bias": False},
            "training": {"optimizer": "gd", "batch_size": 0, "lr": 0.5, "steps": 1000,
                         "log_points": 30},
            "data": {"n_train": 128, "eval_samples": 1024},
            "options": {"probe_points": 32},
            "grid": {"model.width": [64, 256, 1024, 4096],
                     "model.parameterization": ["ntk", "mean-field", "standard"]},
        },
    }

    def check_trial(self, trial: Trial) -> None:
        model = trial.section("model")
        opts = LazyVsRichOptions(**trial.section("options"))
        if model.get("parameterization") == "mean-field" and model["bias"] and opts.scale_lr:
            raise SpecError("model.bias", True, "false in mean-field parameterization with "
                            "options.scale_lr", "a bias has multiplier 1, so the step scaled "
                            "by the width would make it diverge")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        opts = LazyVsRichOptions(**trials[0].section("options"))
        task = trials[0].task()
        spec = trials[0].model_spec(task)
        mlp = trials[0].family == "mlp"  # other families: standard scaling, the step is η₀
        scale = step_scale(spec.parameterization, spec.width) if opts.scale_lr and mlp else 1.0
        seeds = [member_seeds(t) for t in trials]
        members = [MemberSeeds(s.init_seed, s.batch_seed, s.data_seed, s.lr * scale,
                               s.weight_decay) for s in seeds]
        initial = build_ensemble(spec, [s.init_seed for s in seeds], device=ctx.device)
        fitted = fit_ensemble(task, spec, trials[0].training(), members,
                              trials[0].section("data")["n_train"], device=ctx.device,
                              eval_data=evaluation_sample(task, trials[0]),
                              progress=ctx.progress)
        traj = fitted.trajectory
        x = fitted.train_data.x
        outcomes = []
        for i in range(len(trials)):
            probe = (x if x.dim() == 2 else x[i])[:opts.probe_points]
            if traj.stop_reason[i] == "diverged":
                outcomes.append(TrialOutcome("diverged", {"lr_used": members[i].lr},
                                             traj.member_series(i)))
                continue
            net0, net_t = initial.member(i), fitted.ensemble.member(i)
            change = kernel_change(empirical_ntk(net0, probe), empirical_ntk(net_t, probe))
            result = {**change,
                      "relative_weight_change": relative_weight_change(
                          list(net0.parameters()), list(net_t.parameters())),
                      "train_loss": float(traj.final("train_loss")[i]),
                      "test_loss": float(traj.final("test_loss")[i]),
                      "lr_used": members[i].lr, "lr_scale": scale,
                      "num_parameters": spec.num_parameters}
            outcomes.append(TrialOutcome("done", result, traj.member_series(i)))
        return outcomes
