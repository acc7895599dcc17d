"""Built-in study `feature-vs-kernel`: a trained network vs its NTK vs random features on the
same sparse target and the same training set, as the training-set size grows.

For each trial (one training set of n samples and one network):
- network: the one-hidden-layer ReLU MLP trained on the set (the study's `training`);
- NTK: kernel regression with the infinite-width NTK of the same architecture in the lazy
  limit (`analyses.features.ntk_regression`: 2-layer ReLU, σ_w² = 2, σ_b =
  `options.kernel_sigma_b`, ridge `options.ridge` × mean diagonal), the network's
  kernel-regime counterpart;
- random features: ridge regression on `options.random_features` fixed ReLU features
  (first layer and biases, std `options.kernel_sigma_b`, frozen at random), drawn from the
  trial's seed.
The kernels need biases: without them (σ_b = 0) a ReLU feature relu(wᵀx) is linear plus even,
so both kernels contain only degree 1 and even degrees and cannot fit an odd parity of degree
≥ 3 (or a staircase's odd top steps) from any number of samples — a vacuous "win" for the
network, whose own biases are trained. Hence the default σ_b = 1.
Errors on the fixed evaluation sample: for two-class tasks (sparse parity) the 0-1 error, the
kernels regressing the ±1 labels 1 − 2y = χ_S(x) and predicting by sign; for regression tasks
the MSE divided by Var(y) (tasks here have Var f* = 1, so Var y = 1 + σ²). A kernel with a
fixed feature map needs n ≳ d^k samples for a degree-k target; the network adapts to the
support (Ghorbani et al. 2019; Damian, Lee & Soltanolkotabi 2022): where its error falls
below the kernels' is where feature learning wins. Per trial: the three errors and the
differences kernel − network; no run-level fit.

Presets `staircase` / `staircase-smoke` put the same comparison on a staircase
x₁ + x₁x₂ + … + x₁⋯x_k (Abbe et al. 2022; leap 1): each monomial is one coordinate more than
the last, so SGD climbs it with few samples, while a kernel must fit the degree-k top step
like any degree-k function (≈ n^k samples); its error is the share of the variance in the
steps it has not fitted.
"""

from __future__ import annotations

import torch
from pydantic import Field

from riskscope.analyses.features import (
    ntk_regression,
    random_features_regression,
    squared_error,
    zero_one_error,
)
from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed
from riskscope.core.validation import Params
from riskscope.studies.cards.feature_vs_kernel import CARD
from riskscope.studies.fit_group import fit_group
from riskscope.studies.registry import register_study
from riskscope.studies.study import ALL_FAMILIES, GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial

MAX_KERNEL_SAMPLES = 20_000


class FeatureVsKernelOptions(Params):
    random_features: int = Field(default=2048, ge=1, description="p of the random features")
    ridge: float = Field(default=1e-6, ge=0, description="relative to the mean kernel diagonal")
    kernel_eval_samples: int = Field(default=2048, ge=1, le=20_000,
                                     description="evaluation points used for the kernels")
    kernel_sigma_b: float = Field(default=1.0, ge=0, description="bias std of the NTK and "
                                  "random features (0 = bias-free: blind to odd degrees ≥ 3)")


@register_study
class FeatureVsKernelStudy(Study):
    card = CARD
    supported_families = ALL_FAMILIES
    Options = FeatureVsKernelOptions
    presets = {
        "smoke": {
            "seeds": 2,
            "task": {"name": "sparse-parity", "n_bits": 16, "k": 3},
            "model": {"width": 128, "depth": 1},
            "training": {"optimizer": "adam", "lr": 0.01, "steps": 500, "batch_size": 0},
            "data": {"n_train": 200, "eval_samples": 1024},
            "options": {"random_features": 256, "kernel_eval_samples": 1024},
            "grid": {"data.n_train": [200, 1000]},
        },
        "full": {
            "seeds": 4,
            "task": {"name": "sparse-parity", "n_bits": 20, "k": 3},
            "model": {"width": 1000, "depth": 1},
            "training": {"optimizer": "sgd", "lr": 0.1, "steps": 20_000, "batch_size": 32,
                         "weight_decay": 0.01},
            "data": {"n_train": 1000, "eval_samples": 4096},
            "options": {"random_features": 4096},
            "grid": {"data.n_train": [250, 500, 1000, 2000, 4000, 8000]},
        },
        "staircase-smoke": {
            "seeds": 2,
            "task": {"name": "staircase", "n_bits": 12, "degree": 3},
            "model": {"width": 128, "depth": 1},
            "training": {"optimizer": "adam", "lr": 0.01, "steps": 500, "batch_size": 0},
            "data": {"n_train": 200, "eval_samples": 1024},
            "options": {"random_features": 256, "kernel_eval_samples": 1024},
            "grid": {"data.n_train": [100, 1000]},
        },
        "staircase": {
            "seeds": 4,
            "task": {"name": "staircase", "n_bits": 20, "degree": 4},
            "model": {"width": 512, "depth": 1},
            "training": {"optimizer": "adam", "lr": 0.003, "steps": 5000, "batch_size": 64},
            "data": {"n_train": 1000, "eval_samples": 4096},
            "options": {"random_features": 4096},
            "grid": {"data.n_train": [125, 250, 500, 1000, 2000, 4000]},
        },
    }

    def check_trial(self, trial: Trial) -> None:
        t, data = trial.section("training"), trial.section("data")
        if t["online"]:
            raise SpecError("training.online", True,
                            "false: the network and the kernels share one fixed training set")
        if data["n_train"] > MAX_KERNEL_SAMPLES:
            raise SpecError("data.n_train", data["n_train"],
                            f"at most {MAX_KERNEL_SAMPLES} (dense kernel solves)")
        if trial.section("options")["kernel_eval_samples"] > data["eval_samples"]:
            raise SpecError("options.kernel_eval_samples",
                            trial.section("options")["kernel_eval_samples"],
                            f"at most data.eval_samples = {data['eval_samples']} (the kernels "
                            "are evaluated on a split of the evaluation sample)")
        if data["n_train"] < 2:
            raise SpecError("data.n_train", data["n_train"],
                            "at least 2 samples to fit and compare the kernels")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        fitted = fit_group(trials, ctx)
        opts = FeatureVsKernelOptions(**trials[0].section("options"))
        task, ens, traj, train = fitted.task, fitted.ensemble, fitted.trajectory, fitted.train_data
        evald = fitted.eval_data.subset(slice(0, opts.kernel_eval_samples))
        classify = task.kind == "classification"
        with torch.no_grad():
            out = ens(evald.x)
        var_y = 1.0 if classify else 1.0 + task.params.noise_std**2

        def score(pred: torch.Tensor, targets: torch.Tensor) -> float:
            if classify:
                return zero_one_error(pred, targets)
            return squared_error(pred, targets) / var_y

        outcomes = []
        for i, trial in enumerate(trials):
            x = train.x[i] if train.x.dim() == 3 else train.x
            y = train.y[i] if train.x.dim() == 3 else train.y
            if classify:   # kernels regress χ_S = 1 − 2y and predict by sign
                targets, eval_targets = 1.0 - 2.0 * y.double(), 1.0 - 2.0 * evald.y.double()
                net_err = float((out[i].argmax(-1) != evald.y).double().mean())
            else:
                targets, eval_targets = y[:, 0].double(), evald.y[:, 0].double()
                net_err = squared_error(out[i, :, 0], eval_targets) / var_y
            ntk = score(ntk_regression(x.cpu(), targets.cpu(), evald.x.cpu(), opts.ridge,
                                       opts.kernel_sigma_b), eval_targets.cpu())
            rf = score(random_features_regression(
                x.cpu(), targets.cpu(), evald.x.cpu(), opts.random_features,
                derive_seed(trial.seed, "random-features"), opts.ridge, opts.kernel_sigma_b),
                eval_targets.cpu())
            diverged = traj.stop_reason[i] == "diverged"
            result = {"n_train": trial.section("data")["n_train"], "network_error": net_err,
                      "ntk_error": ntk, "random_features_error": rf,
                      "ntk_minus_network": ntk - net_err,
                      "random_features_minus_network": rf - net_err,
                      "error_metric": "zero_one" if classify else "mse / Var(y)",
                      "train_loss": float(traj.final("train_loss")[i]),
                      "kernel_eval_samples": len(evald)}
            outcomes.append(TrialOutcome("diverged" if diverged else "done", result,
                                         traj.member_series(i)))
        return outcomes
