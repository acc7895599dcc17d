"""Built-in study `certified-optimum`: how far SGD ends from the global optimum.

Two-layer ReLU networks (1-d input, biases, standard parameterization) trained with weight
decay λ: their objective L̂(θ) + (λ/2)‖θ‖² has a global minimum that the convex
reformulation of Pilanci & Ergen (2020) computes exactly by enumerating every activation
pattern (riskscope.analyses.decomposition.convex_relu), with a dual lower bound certifying it.
Per trial: the certified optimum of its training set, the trained network's objective, and
the gap between them — a certified optimization error, not an estimate from restarts.
Objectives are reported on the training scale (mean squared error + (λ/2)‖θ‖² = 2P/n).
"""

from __future__ import annotations

from pydantic import Field

from riskscope.analyses.decomposition.convex_relu import (
    beta_from_weight_decay,
    certified_relu_optimum,
    mlp_to_relu_network,
    relu_objective,
)
from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.studies.cards.certified_optimum import CARD
from riskscope.studies.fit_group import fit_group
from riskscope.studies.registry import register_study
from riskscope.studies.study import GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial

MAX_N = 1000


class CertifiedOptions(Params):
    rtol: float = Field(default=1e-6, gt=0, lt=1, description="certificate tolerance")


_TASK = {"name": "fourier-series", "input_dim": 1, "smoothness": 1.5, "noise_std": 0.1}


@register_study
class CertifiedOptimumStudy(Study):
    card = CARD
    Options = CertifiedOptions
    presets = {
        "smoke": {
            "seeds": 2,
            "task": _TASK,
            "model": {"width": 8, "depth": 1},
            "training": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "steps": 300,
                         "weight_decay": 1e-3, "log_points": 10},
            "data": {"n_train": 20, "eval_samples": 1024},
            "grid": {"model.width": [4, 32]},
        },
        "full": {
            "seeds": 5,
            "task": _TASK,
            "model": {"width": 32, "depth": 1},
            "training": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "steps": 20000,
                         "weight_decay": 1e-3, "schedule": "cosine", "log_points": 30},
            "data": {"n_train": 100, "eval_samples": 4096},
            "grid": {"model.width": [8, 32, 128], "data.n_train": [25, 100, 400]},
        },
    }

    def check_trial(self, trial: Trial) -> None:
        model, training = trial.section("model"), trial.section("training")
        task = trial.task()
        need = {"model.depth": (model["depth"], 1), "model.activation": (model["activation"],
                                                                           "relu"),
                "model.bias": (model["bias"], True),
                "model.parameterization": (model["parameterization"], "standard"),
                "task.input_dim": (task.input_dim, 1), "task.output_dim": (task.output_dim, 1)}
        for field, (given, allowed) in need.items():
            if given != allowed:
                raise SpecError(field, given, repr(allowed) + " (the convex reformulation is "
                                "for two-layer ReLU nets on 1-d inputs)")
        if training["weight_decay"] <= 0:
            raise SpecError("training.weight_decay", training["weight_decay"],
                            "a positive weight decay (the program needs β > 0)")
        if training["optimizer"] == "adamw":
            raise SpecError("training.optimizer", "adamw", "gd, sgd or adam: decoupled decay "
                            "does not minimize the L2-regularized objective")
        n = trial.section("data")["n_train"]
        if n > MAX_N:
            raise SpecError("data.n_train", n, f"at most {MAX_N} (patterns grow like 2n)")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        fitted = fit_group(trials, ctx)
        opts = CertifiedOptions(**trials[0].section("options"))
        train, traj = fitted.train_data, fitted.trajectory
        n = trials[0].section("data")["n_train"]
        cache = {}
        outcomes = []
        for i, trial in enumerate(trials):
            x = (train.x[i] if train.x.dim() == 3 else train.x)[:, 0].double().cpu().numpy()
            y = (train.y[i] if train.y.dim() == 3 else train.y)[:, 0].double().cpu().numpy()
            wd = trial.section("training")["weight_decay"]
            beta = beta_from_weight_decay(wd, n)
            key = (trial.data_seed, wd)
            if key not in cache:
                cache[key] = certified_relu_optimum(x, y, beta, output_bias="penalized",
                                                    rtol=opts.rtol)
            cert = cache[key]
            if traj.stop_reason[i] == "diverged":
                outcomes.append(TrialOutcome("diverged", {"stop_reason": "diverged"},
                                             traj.member_series(i)))
                continue
            net = mlp_to_relu_network(fitted.ensemble.member(i).double())
            trained = relu_objective(x, y, net.w, net.b, net.a, beta, c=net.c,
                                     output_bias="penalized")
            scale = 2.0 / n
            result = {
                "certified_optimum": cert.optimal_value * scale,
                "certified_lower_bound": cert.lower_bound * scale,
                "certificate_gap": cert.gap * scale,
                "certified": float(cert.certified),
                "optimum_units": cert.num_active_neurons,
                "num_patterns": cert.num_patterns,
                "trained_objective": trained * scale,
                "certified_optimization_error": (trained - cert.lower_bound) * scale,
                "relative_optimization_error": (trained - cert.lower_bound) / cert.lower_bound,
                "solve_time_s": cert.solve_time_s,
                "train_loss": float(traj.final("train_loss")[i]),
                "test_loss": float(traj.final("test_loss")[i]),
            }
            outcomes.append(TrialOutcome("done", result, traj.member_series(i)))
        return outcomes
