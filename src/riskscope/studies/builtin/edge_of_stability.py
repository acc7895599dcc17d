"""Built-in study `edge-of-stability`: sharpness vs 2/η along full-batch GD (Cohen et al. 2021).

Full-batch gradient descent on an MLP (tanh in the presets) for several step sizes η (a grid
over `training.lr`; members with different η train together as one ensemble). Every
`options.sharpness_every` steps each member's sharpness λ_max(∇²L) of the full training loss
is measured by Lanczos (`ensemble.member(i)`, warm-started). For classification tasks the loss
is, by default, the squared error on one-hot targets (Cohen et al.'s MSE setting; riskscope's
convention without ½: see analyses/curvature/sharpness.py); `options.square_loss = false`
keeps the task's cross-entropy.

Per trial: max and initial sharpness, 2/η, the median of sharpness/(2/η) over the last
`late_fraction` of training, the first step within 10% of 2/η, the fraction of steps whose
loss rose, the final loss, the final test loss (and for classification the final training and
test 0-1 errors). Series: sharpness, sharpness/(2/η) and 2/η at the measured steps, the
training loss at every step (every `loss_series_every`-th, and at every measured step), the
test loss on the evaluation sample at the measured steps and, for classification, the 0-1
training and test errors there (`train_risk`, `test_risk`): the report's gap over training.
"""

from __future__ import annotations

import torch
from pydantic import Field

from riskscope.analyses.curvature.edge_of_stability import summarize_member
from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.models.families import build_ensemble
from riskscope.procedures import track_sharpness
from riskscope.studies.cards.edge_of_stability import CARD
from riskscope.studies.fit_group import evaluation_sample, member_seeds
from riskscope.studies.registry import register_study
from riskscope.studies.study import ALL_FAMILIES, GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial
from riskscope.training.fit import sample_training_sets


class EdgeOfStabilityOptions(Params):
    sharpness_every: int = Field(default=50, ge=1, description="steps between measurements")
    square_loss: bool = Field(default=True,
                              description="classification: squared error on one-hot targets")
    late_fraction: float = Field(default=0.25, gt=0, le=1)
    lanczos_tol: float = Field(default=1e-3, gt=0, lt=1)
    loss_series_every: int = Field(default=1, ge=1, description="store every k-th step's loss")


def _options(trial: Trial) -> EdgeOfStabilityOptions:
    return EdgeOfStabilityOptions(**trial.section("options"))


@register_study
class EdgeOfStabilityStudy(Study):
    card = CARD
    supported_families = ALL_FAMILIES
    Options = EdgeOfStabilityOptions
    presets = {
        "smoke": {
            "seeds": 2,
            "task": {"name": "teacher-student-regression", "input_dim": 6, "teacher_width": 8,
                     "teacher_depth": 1, "activation": "tanh", "output_dim": 2},
            "model": {"width": 24, "depth": 2, "activation": "tanh"},
            "training": {"optimizer": "gd", "batch_size": 0, "lr": 0.1, "steps": 150},
            "data": {"n_train": 128, "eval_samples": 512},
            "options": {"sharpness_every": 25},
            "grid": {"training.lr": [0.05, 0.3]},
        },
        "full": {
            "seeds": 2,
            "task": {"name": "mnist1d"},
            "model": {"width": 200, "depth": 2, "activation": "tanh"},
            "training": {"optimizer": "gd", "batch_size": 0, "lr": 0.04, "steps": 3000},
            "data": {"n_train": 2000, "eval_samples": 2000},
            "options": {"sharpness_every": 50, "loss_series_every": 5},
            "grid": {"training.lr": [0.03, 0.04, 0.06]},
        },
        # Cohen et al. 2021 report progressive sharpening and the edge of stability for CNNs
        # too: the MNIST-1D CNN of Greydanus 2020 (3 conv layers of 25 channels) under
        # full-batch GD on the square loss, n = 1000. Measured: docs/model-families.md.
        "cnn": {
            "seeds": 1,
            "task": {"name": "mnist1d"},
            "model": {"family": "cnn", "channels": [25, 25, 25], "activation": "tanh"},
            "training": {"optimizer": "gd", "batch_size": 0, "lr": 0.02, "steps": 2000},
            "data": {"n_train": 1000, "eval_samples": 2000},
            "options": {"sharpness_every": 50, "loss_series_every": 5},
            "grid": {"training.lr": [0.02, 0.05]},
        },
    }

    def check_trial(self, trial: Trial) -> None:
        t = trial.section("training")
        if t["optimizer"] not in ("gd", "sgd") or t["batch_size"] != 0 or t["online"]:
            raise SpecError("training.optimizer", t["optimizer"],
                            "gd (full-batch gradient descent) for the edge-of-stability study")
        for key, plain in (("momentum", 0.0), ("weight_decay", 0.0), ("schedule", "constant"),
                           ("warmup_steps", 0)):
            if t[key] != plain:
                raise SpecError(f"training.{key}", t[key], f"{plain!r} (plain constant-step GD)")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        opts = _options(trials[0])
        task = trials[0].task()
        spec = trials[0].model_spec(task)
        config = trials[0].training()
        seeds = [member_seeds(t) for t in trials]
        data = sample_training_sets(task, trials[0].section("data")["n_train"],
                                    [s.data_seed for s in seeds], ctx.device)
        held_out = evaluation_sample(task, trials[0]).to(ctx.device)
        loss, y, y_eval = task.training_loss, data.y, held_out.y
        classification = task.kind == "classification"
        if classification and opts.square_loss:
            loss = "squared_error"
            y = torch.nn.functional.one_hot(data.y, task.output_dim).to(data.x.dtype)
            y_eval = torch.nn.functional.one_hot(y_eval, task.output_dim).to(data.x.dtype)
        ensemble = build_ensemble(spec, [s.init_seed for s in seeds], device=ctx.device)
        lr = torch.tensor([s.lr for s in seeds], device=ctx.device)
        traj = track_sharpness(ensemble, data.x, y, loss, lr, config.steps, opts.sharpness_every,
                               tol=opts.lanczos_tol, progress=ctx.progress,
                               eval_data=(held_out.x, y_eval), zero_one=classification)
        steps = traj.measured_steps.tolist()
        outcomes = []
        for i in range(len(trials)):
            summary = summarize_member(traj, i, opts.late_fraction)
            diverged = bool(traj.record.diverged[i])
            result = {**summary.to_dict(), "lr": float(traj.lr[i]), "loss": loss,
                      "num_parameters": spec.num_parameters,
                      "group_hessian_products": traj.products, "group_size": len(trials),
                      "diverged_at_step": int(traj.record.diverged_at[i]),
                      **{f"final_{name}": float(v[-1, i])
                         for name, v in traj.evaluations.items()}}
            outcomes.append(TrialOutcome("diverged" if diverged else "done", result,
                                         _series(traj, i, steps, opts.loss_series_every)))
        return outcomes


def _series(traj, i: int, steps: list[int], loss_every: int) -> dict:
    s = traj.sharpness[:, i]
    keep = [k for k in range(len(steps)) if s[k] == s[k]]  # drop NaN (after divergence)
    threshold = float(traj.threshold[i])
    losses = traj.record.losses[:, i]
    loss_steps = sorted(set(range(0, len(losses), loss_every)) | set(steps))
    loss_steps = [t for t in loss_steps if t < len(losses) and losses[t] == losses[t]]
    evaluated = {"test_loss": "test_loss", "train_error": "train_risk", "test_error": "test_risk"}
    extra = {}
    for name, series in evaluated.items():
        if name in traj.evaluations:
            v = traj.evaluations[name][:, i]
            ok = [k for k in range(len(steps)) if v[k] == v[k]]
            extra[series] = ([steps[k] for k in ok], [float(v[k]) for k in ok])
    return {
        **extra,
        "sharpness": ([steps[k] for k in keep], [float(s[k]) for k in keep]),
        "sharpness_over_threshold": ([steps[k] for k in keep],
                                     [float(s[k]) / threshold for k in keep]),
        "stability_threshold": ([steps[k] for k in keep], [threshold] * len(keep)),
        "train_loss": (loss_steps, [float(losses[t]) for t in loss_steps]),
    }
