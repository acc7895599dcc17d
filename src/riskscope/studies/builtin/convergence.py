"""Built-in study `convergence`: predicted vs observed linear rates of GD vs width.

Setting of Du, Zhai, Póczos & Singh (2019): a two-layer ReLU network (NTK parameterization, no
biases in the presets), inputs on the unit sphere (the task's inputs normalized,
x ← x/‖x‖, labelled by the task's target function at the normalized inputs plus its noise),
squared loss, full-batch GD in float64. Per trial (analyses/curvature/convergence_rate.py for
the conventions):

- lambda_min_ntk_init, lambda_max_ntk_init: of the empirical NTK Gram matrix Θ₀ at init;
- lambda_min_ntk_final: of Θ_T after training; lambda_min_ntk_infinite: of the analytic Θ^∞;
- lambda_0_du: λ_min(H^∞) of Du et al. (depth-1 ReLU only; their network: w ~ N(0, I),
  unscaled), and du_bound_rate = √(1 − η λ₀'/n) with λ₀' = (g²/d) λ₀ the same quantity for
  this network's first layer (g the activation gain): Du et al.'s guaranteed rate;
- predicted_rate = 1 − (2η/n) λ_min(Θ₀) (per-step contraction of ‖r‖ in riskscope's loss
  convention, no ½, mean over examples); predicted_rate_infinite (with Θ^∞),
  predicted_rate_final (with Θ_T);
- observed_rate (fit of log ‖r_k‖ vs k), rate_ratio = (1 − observed)/(1 − predicted);
  predicted_rate_linearized: the rate of the model linearized at init (Θ₀, r₀) fitted over the
  same window, and rate_ratio_linearized (the λ_min rate is asymptotic; the presets use noisy
  labels so that the λ_min mode is excited and dominates the late residual);
- stability_margin = η λ_max(Θ₀)/n (GD on the linearized model is stable below 1);
- PL ratio ‖∇L‖²/(2L) along the run: its minimum and median, and the linear-regime lower
  bound 2λ_min(Θ₀)/n;
- relative NTK drift; test risks of the trained network, of kernel regression with Θ₀ (the
  linearized network from init trained to convergence) and with Θ^∞ (NTK-GP mean).
Series: residual norm ‖r_k‖, training loss and PL ratio every `series_every` steps, and the
test loss on the `test_points` held-out unit-sphere points at the same steps (the report's
generalization gap over training).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from pydantic import Field

from riskscope.analyses.curvature import convergence_rate as rates
from riskscope.analyses.curvature.lazy_training import kernel_change
from riskscope.analyses.kernels.kernel_regression import (
    kernel_regression,
    linearized_network_predictions,
    squared_error_risk,
)
from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.core.validation import Params
from riskscope.models.activations import activation_gain
from riskscope.models.families import build_ensemble
from riskscope.models.mlp_spec import MLPSpec
from riskscope.probes.kernels import empirical_ntk, kernel_spectrum, mlp_kernels
from riskscope.probes.kernels.analytic import two_layer_relu_gram
from riskscope.procedures.gradient_descent import run_gradient_descent
from riskscope.studies.cards.convergence import CARD
from riskscope.studies.fit_group import member_seeds
from riskscope.studies.registry import register_study
from riskscope.studies.study import ALL_FAMILIES, GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial
from riskscope.tasks.registry import task_class


class ConvergenceOptions(Params):
    start_fraction: float = Field(default=0.5, ge=0, lt=1, description="fit window start")
    residual_floor: float = Field(default=1e-6, gt=0, lt=1)
    test_points: int = Field(default=256, ge=1)
    kernel_regression: bool = True
    series_every: int = Field(default=10, ge=1)


def unit_sphere_sample(task, n: int, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
    """(x, y): task inputs normalized to unit norm, y = target(x) + the task's noise."""
    data = task.sample(n, generator)
    x = (data.x / torch.linalg.vector_norm(data.x, dim=1, keepdim=True)).double()
    noise = getattr(task.params, "noise_std", 0.0)
    y = task.target(x) + noise * torch.randn(n, task.output_dim, generator=generator,
                                             dtype=torch.float64)
    return x, y


@register_study
class ConvergenceStudy(Study):
    card = CARD
    supported_families = ALL_FAMILIES
    Options = ConvergenceOptions
    presets = {
        "smoke": {
            "seeds": 2,
            "task": {"name": "teacher-student-regression", "input_dim": 5, "teacher_width": 8,
                     "teacher_depth": 1, "noise_std": 0.5},
            "model": {"width": 64, "depth": 1, "parameterization": "ntk", "bias": False},
            "training": {"optimizer": "gd", "batch_size": 0, "lr": 4.0, "steps": 500},
            "data": {"n_train": 10, "eval_samples": 16},
            "options": {"test_points": 64, "series_every": 20, "residual_floor": 1e-10},
            "grid": {"model.width": [64, 1024]},
        },
        "full": {
            "seeds": 3,
            "task": {"name": "teacher-student-regression", "input_dim": 10,
                     "teacher_width": 16, "teacher_depth": 1, "noise_std": 0.5},
            "model": {"width": 64, "depth": 1, "parameterization": "ntk", "bias": False},
            "training": {"optimizer": "gd", "batch_size": 0, "lr": 10.0, "steps": 2500},
            "data": {"n_train": 32, "eval_samples": 16},
            "options": {"test_points": 512, "series_every": 10, "residual_floor": 1e-10},
            "grid": {"model.width": [64, 256, 1024, 4096, 16384]},
        },
    }

    def check_trial(self, trial: Trial) -> None:
        t = trial.section("training")
        if t["optimizer"] not in ("gd", "sgd") or t["batch_size"] != 0 or t["momentum"] != 0 \
                or t["schedule"] != "constant" or t["weight_decay"] != 0:
            raise SpecError("training", {k: t[k] for k in ("optimizer", "batch_size",
                                                            "momentum", "schedule")},
                            "plain full-batch GD (optimizer gd, batch_size 0, constant step)")
        task = task_class(trial.section("task")["name"])
        if task.kind != "regression" or not hasattr(task, "target"):
            raise SpecError("task.name", task.name,
                            "a regression task with a target function (teacher-student-regression)")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        opts = ConvergenceOptions(**trials[0].section("options"))
        task = trials[0].task()
        spec = trials[0].model_spec(task)
        steps = trials[0].training().steps
        n = trials[0].section("data")["n_train"]
        seeds = [member_seeds(t) for t in trials]
        sets = [unit_sphere_sample(task, n, torch_generator(s.data_seed)) for s in seeds]
        x = torch.stack([s[0] for s in sets]).to(ctx.device)
        y = torch.stack([s[1] for s in sets]).to(ctx.device)
        ensemble = build_ensemble(spec, [s.init_seed for s in seeds], device=ctx.device,
                                          dtype=torch.float64)
        initial = [ensemble.member(i) for i in range(len(trials))]
        kernels0 = [empirical_ntk(initial[i], x[i]) for i in range(len(trials))]
        with torch.no_grad():
            residual0 = [initial[i](x[i]) - y[i] for i in range(len(trials))]
        lr = torch.tensor([s.lr for s in seeds], dtype=torch.float64, device=ctx.device)
        test_gen = torch_generator(derive_seed(trials[0].seed, "convergence-test"))
        x_test, y_test = (t.to(ctx.device)
                          for t in unit_sphere_sample(task, opts.test_points, test_gen))
        test_steps: list[int] = []
        test_losses: list[np.ndarray] = []

        def test_loss(step: int, active: torch.Tensor) -> None:
            with torch.no_grad():
                loss = (ensemble(x_test) - y_test).pow(2).sum(-1).mean(-1)
            test_steps.append(step)
            test_losses.append(torch.where(active, loss, float("nan")).cpu().numpy())

        record = run_gradient_descent(ensemble, x, y, "squared_error", lr, steps,
                                      every=opts.series_every, callback=test_loss,
                                      progress=ctx.progress)
        tests = np.stack(test_losses)
        outcomes = []
        for i in range(len(trials)):
            result = _member_result(i, spec, seeds[i].lr, n, x[i], y[i], kernels0[i],
                                    residual0[i], initial[i], ensemble.member(i), record,
                                    opts, x_test, y_test)
            status = "diverged" if record.diverged[i] else "done"
            series = _series(record, i, n, opts)
            keep = [k for k, t in enumerate(test_steps) if np.isfinite(tests[k, i])]
            series["test_loss"] = ([test_steps[k] for k in keep],
                                   [float(tests[k, i]) for k in keep])
            outcomes.append(TrialOutcome(status, result, series))
        return outcomes


def _lambda_min_or_nan(fn) -> float:
    try:
        return kernel_spectrum(fn()).lambda_min
    except SpecError:
        return math.nan


def _member_result(i, spec, lr, n, x, y, k0, r0, net0, net_t, record, opts, x_test, y_test):
    spec0 = kernel_spectrum(k0)
    k_final = empirical_ntk(net_t, x)
    finite = bool(torch.isfinite(k_final).all())  # a diverged member has no final kernel
    lam_final = kernel_spectrum(k_final).lambda_min if finite else math.nan
    mlp = isinstance(spec, MLPSpec)  # the infinite-width kernels are the MLP family's
    lam_inf = _lambda_min_or_nan(lambda: mlp_kernels(spec, x).ntk) if mlp else math.nan
    du = mlp and spec.depth == 1 and spec.activation == "relu"
    lam_du = _lambda_min_or_nan(lambda: two_layer_relu_gram(x)) if du else math.nan
    residual = np.sqrt(n * record.losses[:, i])
    observed = rates.observed_residual_rate(residual, start_fraction=opts.start_fraction,
                                            floor=opts.residual_floor)
    predicted = rates.predicted_residual_rate(spec0.lambda_min, lr, n)
    pl = rates.pl_ratios(record.losses[:, i], record.grad_norm_sq[:, i])
    linearized = rates.linearized_residual_norms(k0, r0, lr, n, record.steps)
    predicted_window = rates.rate_over_window(linearized, observed.window)
    result = {
        "lambda_min_ntk_init": spec0.lambda_min, "lambda_max_ntk_init": spec0.lambda_max,
        "lambda_min_ntk_final": lam_final, "lambda_min_ntk_infinite": lam_inf,
        "lambda_0_du": lam_du, "predicted_rate": predicted,
        "predicted_rate_infinite": rates.predicted_residual_rate(lam_inf, lr, n),
        "predicted_rate_final": rates.predicted_residual_rate(lam_final, lr, n),
        "du_bound_rate": rates.du_residual_bound_rate(_first_layer_lambda_0(spec, lam_du), lr, n)
        if du else math.nan,
        "observed_rate": observed.rate, "observed_fit_r2": observed.r2,
        "observed_window_start": observed.window[0], "observed_window_end": observed.window[1],
        "rate_ratio": rates.rate_ratio(observed.rate, predicted),
        "predicted_rate_linearized": predicted_window,
        "rate_ratio_linearized": rates.rate_ratio(observed.rate, predicted_window),
        "stability_margin": lr * spec0.lambda_max / n,
        "pl_ratio_min": float(np.nanmin(pl)) if np.isfinite(pl).any() else math.nan,
        "pl_ratio_median": float(np.nanmedian(pl)) if np.isfinite(pl).any() else math.nan,
        "pl_lower_bound": 2 * spec0.lambda_min / n,
        "final_loss": float(record.losses[-1, i]),
        "relative_ntk_drift": kernel_change(k0, k_final)["relative_ntk_drift"],
        "lr": lr, "num_parameters": spec.num_parameters,
    }
    if opts.kernel_regression and not record.diverged[i]:
        with torch.no_grad():
            result["test_risk_network"] = squared_error_risk(net_t(x_test), y_test)
        lin = linearized_network_predictions(net0, x, y, x_test)
        result["test_risk_ntk_init"] = squared_error_risk(lin, y_test)
        if not math.isnan(lam_inf):
            kernels = mlp_kernels(spec, x_test, x)
            pred = kernel_regression(mlp_kernels(spec, x).ntk, kernels.ntk, y.cpu())
            result["test_risk_ntk_infinite"] = squared_error_risk(pred, y_test.cpu())
    return result


def _first_layer_lambda_0(spec, lambda_0: float) -> float:
    """Du et al.'s λ₀ in this network's scale: riskscope's first layer (NTK parameterization)
    is (g/√d)·W x with g the activation gain, so its kernel is (g²/d)·H^∞ on unit-norm inputs
    (the second layer's trained weights only add to Θ, so the guarantee still holds)."""
    return activation_gain(spec.activation) ** 2 / spec.input_dim * lambda_0


def _series(record, i: int, n: int, opts: ConvergenceOptions) -> dict:
    losses = record.losses[:, i]
    pl = rates.pl_ratios(losses, record.grad_norm_sq[:, i])
    steps = [t for t in range(0, losses.size, opts.series_every) if np.isfinite(losses[t])]
    keep_pl = [t for t in steps if np.isfinite(pl[t])]
    return {"residual_norm": (steps, [float(np.sqrt(n * losses[t])) for t in steps]),
            "train_loss": (steps, [float(losses[t]) for t in steps]),
            "pl_ratio": (keep_pl, [float(pl[t]) for t in keep_pl])}
