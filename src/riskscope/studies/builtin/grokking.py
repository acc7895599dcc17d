"""Built-in study `grokking`: delayed generalization on modular arithmetic.

Power et al. 2022; Nanda et al. 2023 (one-layer transformer, progress measures); Gromov 2023
(two-layer MLP with quadratic activation on one-hot operands, which groks in minutes on a CPU).
AdamW with decoupled weight decay, full batch, on the whole training split of the p² pairs
(`data.n_train` is not used: the pool size is round(train_fraction · p²)).

Per trial: train/test cross-entropy and 0-1 error over training (`train_*`, `test_*`), weight
norm, Fourier concentration of the operand embedding, restricted and excluded loss (addition),
and the results `steps_to_fit` (first logged step with train accuracy ≥ threshold),
`steps_to_generalize` (test accuracy ≥ threshold, default 0.99), `grokking_delay` (their
difference), final accuracies, weight norm and concentration, and `population_risk` (the
final 0-1 error on the held-out pairs, with a Student-t interval; what the report plots).
Steps are the logged ones, so a step count is exact only up to the log spacing
(`training.log_points`).

`options.architecture`: "mlp" (the [model] section: width, depth, activation, bias) or
"transformer" (options d_model, num_heads, d_mlp; Nanda et al.: 128, 4, 512).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from pydantic import Field

from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate
from riskscope.core.rng import derive_seed
from riskscope.core.validation import Params
from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.functional_ensemble import FunctionalEnsemble
from riskscope.models.transformer import TransformerSpec, transformer_factory
from riskscope.probes.grokking import steps_to_threshold
from riskscope.procedures.progress_training import train_with_progress
from riskscope.studies.cards.grokking import CARD
from riskscope.studies.registry import register_study
from riskscope.studies.study import GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial
from riskscope.tasks.modular import operands


class GrokkingOptions(Params):
    architecture: Literal["mlp", "transformer"] = "mlp"
    d_model: int = Field(128, gt=0)
    num_heads: int = Field(4, gt=0)
    d_mlp: int = Field(512, gt=0)
    top_k: int = Field(5, gt=0, description="key frequencies for the progress measures")
    accuracy_threshold: float = Field(0.99, gt=0, le=1)


_MLP = {"width": 512, "depth": 1, "activation": "quadratic", "bias": False}
_ADAMW = {"optimizer": "adamw", "lr": 0.003, "beta2": 0.98, "weight_decay": 1.0,
          "batch_size": 0, "schedule": "constant"}


def _build(trial: Trial, task, opts: GrokkingOptions, seeds: list[int], device):
    p = task.modulus
    if opts.architecture == "transformer":
        spec = TransformerSpec(vocab=p, d_model=opts.d_model, num_heads=opts.num_heads,
                               d_mlp=opts.d_mlp)
        ens = FunctionalEnsemble.from_factory(transformer_factory(spec), seeds).to(device)
        index = ens.names.index("embed")
        return ens, (lambda: ens.stacked[index]), sum(
            v[0].numel() for v in ens.stacked)
    spec = trial.model_spec(task)
    ens = MLPEnsemble.from_seeds(spec, seeds, device=device)
    # operand-a embedding of the first layer: columns 0..p-1 of W_0, as [M, p, width]
    return ens, (lambda: ens.weights[0][:, :, :p].transpose(1, 2)), spec.num_parameters


@register_study
class GrokkingStudy(Study):
    card = CARD
    Options = GrokkingOptions
    presets = {
        "smoke": {
            "seeds": 2,
            "task": {"name": "modular-addition", "modulus": 13, "train_fraction": 0.5},
            "model": dict(_MLP, width=32),
            "training": dict(_ADAMW, steps=60, log_points=8),
            "data": {"n_train": 1, "eval_samples": 1},
            "options": {"top_k": 3},
            "grid": {"training.weight_decay": [0.0, 1.0]},
        },
        "full": {
            "seeds": 3,
            "task": {"name": "modular-addition", "modulus": 97, "train_fraction": 0.5},
            "model": _MLP,
            "training": dict(_ADAMW, steps=4000, log_points=60),
            "data": {"n_train": 1, "eval_samples": 1},
            "grid": {"task.train_fraction": [0.3, 0.4, 0.5, 0.6],
                     "training.weight_decay": [0.1, 0.3, 1.0, 3.0]},
        },
    }

    def check_trial(self, trial: Trial) -> None:
        opts = GrokkingOptions(**trial.section("options"))
        if opts.architecture == "transformer" and opts.d_model % opts.num_heads:
            raise SpecError("options.num_heads", opts.num_heads,
                            f"a divisor of options.d_model = {opts.d_model}")
        if trial.section("task")["name"] not in ("modular-addition", "modular-multiplication"):
            raise SpecError("task.name", trial.section("task")["name"],
                            "modular-addition or modular-multiplication")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        task = trials[0].task()
        opts = GrokkingOptions(**trials[0].section("options"))
        config = trials[0].training()
        device = ctx.device
        ens, embedding, num_params = _build(
            trials[0], task, opts, [derive_seed(t.seed, "init") for t in trials], device)
        p = task.modulus

        def sums_of(x: torch.Tensor) -> torch.Tensor:
            a, b = operands(x, p)
            return (a + b) % p

        run = train_with_progress(
            ens, embedding, task.train_pool.to(device), task.test_set.to(device), config,
            torch.tensor([t.section("training")["lr"] for t in trials], device=device),
            torch.tensor([t.section("training")["weight_decay"] for t in trials],
                         device=device),
            [derive_seed(t.seed, "batch") for t in trials],
            sums_of if task.operation == "add" else None, opts.top_k, ctx.progress)
        return [self._outcome(run, i, opts, num_params, task) for i in range(len(trials))]

    @staticmethod
    def _outcome(run, i: int, opts: GrokkingOptions, num_params: int, task) -> TrialOutcome:
        m = {name: values[:, i] for name, values in run.metrics.items()}
        train_acc, test_acc = 1 - m["train_risk"], 1 - m["test_risk"]
        fit = steps_to_threshold(run.steps, train_acc, opts.accuracy_threshold)
        generalize = steps_to_threshold(run.steps, test_acc, opts.accuracy_threshold)
        final = {name: float(v[-1]) for name, v in m.items()}
        test_errors = m["test_risk"][-1] * len(task.test_set)
        risk = Estimate.from_samples(
            [1.0] * round(test_errors) + [0.0] * (len(task.test_set) - round(test_errors)),
            method="held-out")
        result = {
            "population_risk": risk.value,
            "population_risk_ci_low": risk.ci_low,
            "population_risk_ci_high": risk.ci_high,
            "steps_to_fit": fit,
            "steps_to_generalize": generalize,
            "grokking_delay": generalize - fit,
            "final_train_accuracy": 1 - final["train_risk"],
            "final_test_accuracy": 1 - final["test_risk"],
            "train_loss": final["train_loss"],
            "test_loss": final["test_loss"],
            "train_risk": final["train_risk"],
            "test_risk": final["test_risk"],
            "generalization_gap": final["test_risk"] - final["train_risk"],
            "final_weight_norm": final["weight_norm"],
            "final_fourier_concentration": final["fourier_concentration"],
            "final_neuron_fourier_concentration": final["neuron_fourier_concentration"],
            "final_restricted_loss": final.get("restricted_loss", math.nan),
            "final_excluded_loss": final.get("excluded_loss", math.nan),
            "train_pairs": len(task.train_pool),
            "num_parameters": num_params,
            "wall_s": run.wall_s,
        }
        diverged = not math.isfinite(final["train_loss"])
        series = {name: (list(run.steps), [float(x) for x in v]) for name, v in m.items()}
        return TrialOutcome(status="diverged" if diverged else "done", result=result,
                            metrics=series)
