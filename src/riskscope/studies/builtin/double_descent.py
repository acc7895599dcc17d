"""Built-in study `double-descent`: test error vs model size, training time and sample size.

Belkin, Hsu, Ma & Mandal 2019; Nakkiran et al. 2019 ("Deep double descent"); Mei & Montanari
2019. Two regimes (`options.regime`):

- "network": MLPs on a classification task (MNIST-1D by default) whose TRAINING labels are
  partly wrong (`options.label_noise`, see `analyses.dynamics.label_noise`); test labels clean.
  Model-wise: sweep `model.width` across the interpolation threshold, parameters ≈ n·C for C
  classes (recorded as `interpolation_threshold` and `parameters_per_threshold`); epoch-wise:
  the `test_risk` series over training (and `test_risk_min`/`test_risk_min_step`); sample-wise:
  sweep `data.n_train` at fixed width. Seeds of one configuration run as one ensemble; bias² and
  variance over them (squared error of softmax probabilities, `analyses.dynamics.bias_variance`).
- "random-features": ReLU random features (N = `model.width`) of Gaussian inputs
  (d = `task.input_dim`), a LINEAR teacher y = βᵀx + ε (β ~ N(0, I/d) from
  `options.teacher_seed`, σ = `task.noise_std`; the task's own MLP teacher is not used), readout
  by ridge (`options.ridge`, 0 = min-norm). Per trial: the exact test risk of the fitted readout
  (closed form) and the deterministic-equivalent prediction of its expectation
  (`analyses.dynamics.random_features_risk`); the threshold is N = n.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from pydantic import Field, field_validator

from riskscope.analyses.dynamics.bias_variance import bias_variance
from riskscope.analyses.dynamics.label_noise import check_label_noise
from riskscope.analyses.dynamics.random_features_risk import (
    exact_test_risk,
    fit_ridge,
    predicted_test_risk,
)
from riskscope.core.estimate import Estimate
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.core.validation import Params
from riskscope.models.random_features import (
    random_feature_matrix,
    relu_feature_moments,
    relu_features,
)
from riskscope.procedures.noisy_label_training import fit_with_label_noise
from riskscope.studies.cards.double_descent import CARD
from riskscope.studies.fit_group import evaluation_sample, member_seeds
from riskscope.studies.registry import register_study
from riskscope.studies.study import ALL_FAMILIES, GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial


class DoubleDescentOptions(Params):
    regime: Literal["network", "random-features"] = "network"
    label_noise: float = Field(0.15, description="fraction of training labels made wrong")
    ridge: float = Field(0.0, ge=0, allow_inf_nan=False)
    teacher_seed: int = Field(0, ge=0)
    test_samples: int = Field(2000, gt=1, description="random features: bias/variance sample")

    @field_validator("label_noise")
    @classmethod
    def _rate(cls, v: float) -> float:
        return check_label_noise(v)


_MNIST1D = {"name": "mnist1d"}
_NET_TRAIN = {"optimizer": "adam", "lr": 0.003, "batch_size": 0, "schedule": "constant"}
_RF_TASK = {"name": "teacher-student-regression", "input_dim": 20, "teacher_width": 1,
            "teacher_depth": 1, "noise_std": 0.5}


@register_study
class DoubleDescentStudy(Study):
    card = CARD
    supported_families = ALL_FAMILIES
    Options = DoubleDescentOptions
    whole_groups = True
    presets = {
        "smoke": {
            "seeds": 2, "task": _MNIST1D, "model": {"width": 8, "depth": 1},
            "training": dict(_NET_TRAIN, steps=80, log_points=8),
            "data": {"n_train": 60, "eval_samples": 300},
            "grid": {"model.width": [2, 16]},
        },
        # n = 2000 with 20% noise: interpolation (training error 0) starts near width 48,
        # where models are large enough to have learned something first, so the test-error
        # peak there stands out (n = 300–500 interpolate at width 12–16, below which every
        # model is near chance). Widths dense around 48; n·C = 20,000 parameters ≈ width 392.
        # Its measured wall and CPU time: benchmarks/RESULTS.md ("Double descent, `full` preset").
        "full": {
            "seeds": 4, "task": _MNIST1D, "model": {"width": 64, "depth": 1},
            "training": dict(_NET_TRAIN, steps=4000, log_points=40),
            "data": {"n_train": 2000, "eval_samples": 4000},
            "options": {"label_noise": 0.2},
            "grid": {"model.width": [8, 16, 24, 32, 40, 48, 56, 64, 96, 128, 256, 512]},
        },
        # Model-wise double descent of CNNs (Nakkiran et al. 2019 sweep the width k of a
        # 4-layer CNN [k, 2k, 4k, 8k]) on MNIST-1D (Greydanus 2020), 15% label noise: a
        # 3-layer CNN [k, 2k, 4k] (kernel 5, stride 2), full-batch Adam, n = 1000 (n·C =
        # 10,000 parameters near k = 12; the CNN interpolates from k = 4). About 400 s of CPU.
        # Measured: docs/model-families.md and benchmarks/RESULTS.md.
        "cnn-mnist1d": {
            "seeds": 2, "task": _MNIST1D,
            "model": {"family": "cnn", "channels": [1, 2, 4], "kernel_size": 5, "stride": 2,
                      "padding": 1},
            "training": dict(_NET_TRAIN, steps=2000, log_points=30),
            "data": {"n_train": 1000, "eval_samples": 4000},
            "options": {"label_noise": 0.15},
            "grid": {"model.width_multiplier": [1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0,
                                                24.0, 32.0]},
        },
        "random-features-smoke": {
            "seeds": 3, "task": dict(_RF_TASK, input_dim=8), "model": {"width": 16},
            "training": {"steps": 1}, "data": {"n_train": 24, "eval_samples": 1},
            "options": {"regime": "random-features", "test_samples": 500},
            "grid": {"model.width": [6, 24, 96]},
        },
        "random-features": {
            "seeds": 8, "task": _RF_TASK, "model": {"width": 100},
            "training": {"steps": 1}, "data": {"n_train": 100, "eval_samples": 1},
            "options": {"regime": "random-features"},
            "grid": {"model.width": [10, 25, 50, 75, 90, 100, 110, 125, 150, 200, 400, 1000],
                     "options.ridge": [0.0, 0.001, 0.1]},
        },
        "random-features-samplewise": {
            "seeds": 8, "task": _RF_TASK, "model": {"width": 100},
            "training": {"steps": 1}, "data": {"n_train": 100, "eval_samples": 1},
            "options": {"regime": "random-features"},
            "grid": {"data.n_train": [20, 50, 80, 90, 100, 110, 125, 150, 200, 400, 1000],
                     "options.ridge": [0.0, 0.1]},
        },
    }

    def work_steps(self, trial: Trial) -> int:
        return 1 if trial.section("options").get("regime") == "random-features" \
            else trial.training().steps

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        opts = DoubleDescentOptions(**trials[0].section("options"))
        if opts.regime == "random-features":
            return _random_features_group(trials, opts)
        return _network_group(trials, opts, ctx)


def _network_group(trials: list[Trial], opts: DoubleDescentOptions, ctx: GroupContext
                   ) -> list[TrialOutcome]:
    task = trials[0].task()
    spec = trials[0].model_spec(task)
    n = trials[0].section("data")["n_train"]
    eval_data = evaluation_sample(task, trials[0]).to(ctx.device)
    fit = fit_with_label_noise(task, spec, trials[0].training(), [member_seeds(t) for t in trials],
                               n, opts.label_noise, eval_data, ctx.device, ctx.progress)
    traj = fit.trajectory
    with torch.no_grad():
        probs = fit.ensemble(eval_data.x).softmax(-1)
        train_out = fit.ensemble(fit.clean_train.x)
    onehot = torch.nn.functional.one_hot(eval_data.y, task.output_dim)
    test_errors = (probs.argmax(-1) != eval_data.y).double().cpu().numpy()
    spread = bias_variance(probs, onehot)
    predicted = train_out.argmax(-1)
    clean_error = (predicted != fit.clean_train.y).double().mean(-1)
    mask = fit.corrupted.expand_as(predicted)
    hits = ((predicted == fit.noisy_labels) & mask).double().sum(-1)
    memorized = hits / mask.sum(-1).clamp_min(1)
    threshold = n * task.output_dim
    steps = traj.steps
    test_series = traj.metrics["test_risk"]
    outcomes = []
    for i in range(len(trials)):
        k = int(torch.tensor(test_series[:, i]).nan_to_num(math.inf).argmin())
        risk = Estimate.from_samples(test_errors[i], method="monte-carlo")
        result = {
            "population_risk": risk.value,
            "population_risk_ci_low": risk.ci_low,
            "population_risk_ci_high": risk.ci_high,
            "train_risk": float(traj.final("train_risk")[i]),
            "train_risk_clean": float(clean_error[i]),
            "memorized_fraction": float(memorized[i]),
            "test_risk": float(traj.final("test_risk")[i]),
            "test_loss": float(traj.final("test_loss")[i]),
            "train_loss": float(traj.final("train_loss")[i]),
            "test_risk_min": float(test_series[k, i]),
            "test_risk_min_step": int(steps[k]),
            "generalization_gap": float(traj.final("test_risk")[i] - traj.final("train_risk")[i]),
            "num_parameters": spec.num_parameters,
            "interpolation_threshold": threshold,
            "parameters_per_threshold": spec.num_parameters / threshold,
            "label_noise": opts.label_noise,
            "bias2": spread["bias2"], "variance": spread["variance"],
            "mse_risk": spread["risk"],
            "stop_reason": traj.stop_reason[i],
            "group_wall_s": traj.wall_s,
        }
        diverged = traj.stop_reason[i] == "diverged"
        outcomes.append(TrialOutcome("diverged" if diverged else "done", result,
                                     metrics=traj.member_series(i)))
    return outcomes


def _random_features_group(trials: list[Trial], opts: DoubleDescentOptions
                           ) -> list[TrialOutcome]:
    task_section = trials[0].section("task")
    d, sigma = task_section["input_dim"], task_section["noise_std"]
    n, width = trials[0].section("data")["n_train"], trials[0].section("model")["width"]
    beta = torch.randn(d, generator=torch_generator(derive_seed(opts.teacher_seed, "teacher")),
                       dtype=torch.float64) / math.sqrt(d)
    power = float(beta @ beta)
    x_test = torch.randn(opts.test_samples, d, dtype=torch.float64,
                         generator=torch_generator(derive_seed(opts.teacher_seed, "test")))
    rows, test_predictions = [], []
    for trial in trials:
        weights = random_feature_matrix(width, d, torch_generator(derive_seed(trial.seed,
                                                                              "features")))
        data_gen = torch_generator(derive_seed(trial.data_seed, "training-set"))
        x = torch.randn(n, d, generator=data_gen, dtype=torch.float64)
        y = x @ beta + sigma * torch.randn(n, generator=data_gen, dtype=torch.float64)
        features = relu_features(x, weights)
        readout = fit_ridge(features, y, opts.ridge)
        moments = relu_feature_moments(weights, beta)
        prediction = predicted_test_risk(*moments, power, sigma ** 2, n, opts.ridge)
        exact = exact_test_risk(readout, *moments, power, sigma ** 2)
        rows.append({
            "population_risk": exact, "population_risk_ci_low": exact,
            "population_risk_ci_high": exact,
            "test_risk": exact,
            "test_risk_method": "exact",
            "predicted_risk": prediction.risk,
            "predicted_bias": prediction.bias,
            "predicted_variance": prediction.variance,
            "irreducible_risk": prediction.irreducible,
            "train_risk": float((features @ readout - y).pow(2).mean()),
            "readout_norm": float(readout.norm()),
            "num_parameters": width,
            "interpolation_threshold": n,
            "parameters_per_threshold": width / n,
            "bayes_risk": sigma ** 2,
        })
        test_predictions.append((relu_features(x_test, weights) @ readout).unsqueeze(-1))
    spread = bias_variance(torch.stack(test_predictions), (x_test @ beta).unsqueeze(-1))
    for row in rows:
        row["generalization_gap"] = row["test_risk"] - row["train_risk"]
        row.update(bias2=spread["bias2"], variance=spread["variance"])
    return [TrialOutcome("done", row) for row in rows]
