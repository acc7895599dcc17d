"""Built-in study `neural-collapse`: NC1–NC4 over training, through the terminal phase
(Papyan, Han & Donoho 2020, PNAS, "Prevalence of neural collapse during the terminal phase of
deep learning training").

Papyan et al. train classifiers on balanced multiclass data with SGD + momentum + weight decay
for hundreds of epochs, well past zero training error (the terminal phase, TPT), and measure
the training set's last-layer features at many epochs: within-class variability collapses (NC1
falls by orders of magnitude), the centred class means approach a simplex equiangular tight
frame (NC2), the classifier rows align with them (NC3) and the network decides like the
nearest class centre (NC4). Here: any family with a linear readout (mlp, cnn, resnet,
random-features) on a multiclass task (the presets: MNIST-1D and sklearn digits), trained
once through the one trainer; a recorder (`procedures.collapse_tracking`) measures NC1–NC4
on each member's training set at the trainer's log-spaced steps, and the terminal phase is
read from the recorded training error (`analyses.features.terminal_phase`).

The training set is class-balanced by default (`options.balanced`: n/C examples per class,
`tasks.balanced`), as in the paper. The presets follow its schedule: the learning rate drops
by 10 at 1/3 and 2/3 of the budget (`schedule = "step"`, `step_size` = steps/3).

Per trial: the final NC1, NC2 (equinorm, equiangular distance to −1/(C−1), cosine spread,
classifier equinorm), NC3, NC4, feature norm, training and test error; the terminal phase's
start step and share of the budget, NC1's fall during it in decades, and the measures at its
start (`terminal_start_*`). Series: every measure over training, with the trainer's curves.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from pydantic import Field

from riskscope.analyses.features import terminal_phase
from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator
from riskscope.core.validation import Params
from riskscope.models.families import build_ensemble
from riskscope.procedures.collapse_tracking import COLLAPSE_SERIES, train_with_collapse
from riskscope.studies.cards.neural_collapse import CARD
from riskscope.studies.fit_group import evaluation_sample, member_seeds
from riskscope.studies.registry import register_study
from riskscope.studies.study import GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial
from riskscope.tasks.balanced import class_balanced_sample
from riskscope.tasks.base import Dataset
from riskscope.training.fit import sample_training_sets
from riskscope.training.trainer import LossSpec

#: the families whose output is a linear readout of their features (probes.features.last_layer)
READOUT_FAMILIES = ("mlp", "cnn", "resnet", "random-features")
AT_START = ("nc1", "nc2_equinorm", "nc2_equiangular", "nc3", "nc4", "feature_norm")


class NeuralCollapseOptions(Params):
    balanced: bool = Field(default=True, description="n/C training examples of every class")


def _sgd(steps: int, lr: float, batch_size: int, log_points: int = 40) -> dict:
    """Papyan et al.'s recipe: SGD, momentum 0.9, weight decay 5e-4, lr ÷10 at 1/3 and 2/3."""
    return {"optimizer": "sgd", "lr": lr, "momentum": 0.9, "weight_decay": 5e-4,
            "schedule": "step", "step_size": math.ceil(steps / 3), "gamma": 0.1,
            "steps": steps, "batch_size": batch_size, "log_points": log_points}


@register_study
class NeuralCollapseStudy(Study):
    card = CARD
    supported_families = READOUT_FAMILIES
    Options = NeuralCollapseOptions
    presets = {
        "smoke": {
            "seeds": 2,
            "task": {"name": "digits"},
            "model": {"width": 64, "depth": 2},
            "training": _sgd(400, 0.1, 32, log_points=14),
            "data": {"n_train": 200},
        },
        "full": {
            "seeds": 3,
            "task": {"name": "mnist1d"},
            "model": {"width": 256, "depth": 3},
            "training": _sgd(12000, 0.05, 128, log_points=40),
            "data": {"n_train": 2000, "eval_samples": 4000},
            "grid": {"zip": {"task.name": ["mnist1d", "digits"],
                             "data.n_train": [2000, 1000]}},
        },
        # the same on the CNN family: 1-D convolutions on MNIST-1D, 2-D on the 8×8 digits
        # (3×3 kernels, max pooling, global average before the readout)
        "full-cnn": {
            "seeds": 3,
            "task": {"name": "mnist1d"},
            "model": {"family": "cnn", "channels": [32, 64, 64], "kernel_size": 3,
                      "stride": 1, "padding": 1, "pool": "max", "head": "global-average"},
            "training": _sgd(6000, 0.05, 128, log_points=40),
            "data": {"n_train": 2000, "eval_samples": 4000},
            "grid": {"zip": {"task.name": ["mnist1d", "digits"], "model.dims": [1, 2],
                             "data.n_train": [2000, 1000]}},
        },
    }

    def check_trial(self, trial: Trial) -> None:
        t = trial.section("training")
        if t["online"]:
            raise SpecError("training.online", True, "false: collapse is measured on a fixed "
                            "training set")
        task = trial.task()
        if task.kind != "classification" or task.output_dim < 3:
            raise SpecError("task.name", task.name, "a classification task with at least 3 "
                            "classes (with 2, NC2's simplex is a line and its angle is fixed)")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        opts = NeuralCollapseOptions(**trials[0].section("options"))
        task = trials[0].task()
        spec = trials[0].model_spec(task)
        config = trials[0].training()
        seeds = [member_seeds(t) for t in trials]
        n = trials[0].section("data")["n_train"]
        train = (_balanced_sets(task, n, [s.data_seed for s in seeds]) if opts.balanced
                 else sample_training_sets(task, n, [s.data_seed for s in seeds]))
        ensemble = build_ensemble(spec, [s.init_seed for s in seeds], device=ctx.device)
        run = train_with_collapse(
            ensemble, train.to(ctx.device), evaluation_sample(task, trials[0]).to(ctx.device),
            config, torch.tensor([s.lr for s in seeds], device=ctx.device),
            torch.tensor([s.weight_decay for s in seeds], device=ctx.device),
            [s.batch_seed for s in seeds], task.output_dim,
            LossSpec(task.training_loss, task.default_metric), ctx.progress)
        traj = run.trajectory
        outcomes = []
        for i in range(len(trials)):
            series = traj.member_series(i)
            for name in COLLAPSE_SERIES:
                values = run.series[name][:, i]
                keep = np.isfinite(values)
                series[name] = ([s for s, k in zip(run.steps, keep) if k],
                                values[keep].tolist())
            if traj.stop_reason[i] == "diverged":
                outcomes.append(TrialOutcome("diverged", {"stop_step": int(traj.stop_step[i])},
                                             series))
                continue
            outcomes.append(TrialOutcome("done", self._result(run, i, task, opts, spec,
                                                              len(trials)), series))
        return outcomes

    @staticmethod
    def _result(run, i: int, task, opts: NeuralCollapseOptions, spec, group: int) -> dict:
        traj = run.trajectory
        s = {name: run.series[name][:, i] for name in COLLAPSE_SERIES}
        test = _at_steps(traj, "test_risk", run.steps, i)
        phase = terminal_phase(run.steps, s["train_error"], s["nc1"],
                               {**{k: s[k] for k in AT_START}, "test_error": test})
        result = {
            "nc1_decades_terminal": phase.nc1_decades_terminal,
            **{name: float(s[name][-1]) for name in COLLAPSE_SERIES},
            "test_error": float(traj.final("test_risk")[i]),
            "terminal_start_step": (math.nan if phase.terminal_start_step is None
                                    else phase.terminal_start_step),
            "terminal_fraction": phase.terminal_fraction,
            "nc1_decades_total": phase.nc1_decades_total,
            **{f"terminal_start_{k}": phase.at_start.get(k, math.nan)
               for k in (*AT_START, "test_error")},
            "num_classes": int(task.output_dim), "balanced": opts.balanced,
            "train_loss": float(traj.final("train_loss")[i]),
            "test_loss": float(traj.final("test_loss")[i]),
            "num_parameters": int(spec.num_parameters), "group_size": group,
            "group_wall_s": float(traj.wall_s), "stop_step": int(traj.stop_step[i]),
        }
        return result


def _balanced_sets(task, n: int, data_seeds: list[int]) -> Dataset:
    """One class-balanced training set per data seed: shared [n, d] or stacked [M, n, d]."""
    sets = {s: class_balanced_sample(task, n, torch_generator(s)) for s in dict.fromkeys(
        data_seeds)}
    if len(sets) == 1:
        return next(iter(sets.values()))
    chosen = [sets[s] for s in data_seeds]
    return Dataset(torch.stack([d.x for d in chosen]), torch.stack([d.y for d in chosen]))


def _at_steps(traj, name: str, steps: list[int], i: int) -> np.ndarray:
    """The trainer's series `name` of member i at `steps` (NaN where it was not logged)."""
    logged = dict(zip(traj.steps, traj.metrics[name][:, i])) if name in traj.metrics else {}
    return np.array([logged.get(s, math.nan) for s in steps], dtype=np.float64)


__all__ = ["NeuralCollapseStudy"]
