"""Built-in study `weight-spectra`: heavy-tailed self-regularization over training and across
a zoo (Martin & Mahoney 2021, JMLR; 2021, Nature Communications).

A zoo of MLP classifiers on a real data set, varying width, learning rate and batch size (Martin
& Mahoney report heavier tails, i.e. smaller α, for smaller batches and larger learning rates,
and α̂ tracking test accuracy). Every `spectra_every` steps (and at the start and the end) the
spectrum of every weight layer of every member is measured — the ESD of WᵀW/N, its power-law
tail α (x_min by the KS method), α̂ = α·log10 λ_max, the stable rank, the Marchenko–Pastur edge
of the matched random matrix and the spikes above it (riskscope.probes.spectra).

Training is one uninterrupted `train_ensemble` run (the same path as `fit_group`); the
measurements are its `on_step` hook, so optimizer state and schedules carry through.

Per trial, results: train and test 0-1 errors and the gap; per layer l `alpha_layer{l}`,
`alpha_weighted_layer{l}`, `stable_rank_layer{l}`, `num_spikes_layer{l}`, `x_min_layer{l}`,
`ks_distance_layer{l}`, `n_tail_layer{l}`, `mp_edge_layer{l}` at the end of training; the layer
means `mean_alpha`, `mean_alpha_weighted`, `mean_stable_rank` and the total `num_spikes`.
Series: the training curves and `alpha_layer{l}`, `mean_alpha`, `mean_alpha_weighted`,
`mean_stable_rank` at the measured steps. Artifact `spectra`: the final eigenvalues of each
layer (`layer{l}`, float64), for the ESD figure. Layers with fewer than `min_eigenvalues`
eigenvalues (the output layer of a 10-class classifier) have NaN α.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from pydantic import Field

from riskscope.core.validation import Params
from riskscope.models.ensemble import MLPEnsemble
from riskscope.probes.spectra import matrix_spectrum
from riskscope.studies.cards.weight_spectra import CARD
from riskscope.studies.fit_group import evaluation_sample, member_seeds
from riskscope.studies.registry import register_study
from riskscope.studies.study import GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial
from riskscope.training.data_source import FixedBatches
from riskscope.training.fit import sample_training_sets
from riskscope.training.trainer import LossSpec, train_ensemble

LAYER_RESULTS = ("alpha", "alpha_weighted", "stable_rank", "num_spikes", "x_min", "ks_distance",
                 "n_tail", "mp_edge")
MEAN_SERIES = ("mean_alpha", "mean_alpha_weighted", "mean_stable_rank")


class WeightSpectraOptions(Params):
    spectra_every: int = Field(default=100, ge=1,
                               description="steps between spectrum measurements")
    min_eigenvalues: int = Field(default=20, ge=2,
                                 description="layers with fewer eigenvalues get no α fit")
    min_tail: int = Field(default=5, ge=2, description="fewest points in a fitted tail")


def _means(layers: list[dict]) -> dict[str, float]:
    fitted = [d for d in layers if math.isfinite(d["alpha"])]
    ranks = [d["stable_rank"] for d in layers if math.isfinite(d["stable_rank"])]
    return {"mean_alpha": float(np.mean([d["alpha"] for d in fitted])) if fitted else math.nan,
            "mean_alpha_weighted": (float(np.mean([d["alpha_weighted"] for d in fitted]))
                                    if fitted else math.nan),
            "mean_stable_rank": float(np.mean(ranks)) if ranks else math.nan}


def member_spectra(ensemble: MLPEnsemble, i: int, opts: WeightSpectraOptions
                   ) -> tuple[list[dict], list[np.ndarray]]:
    """Member i's per-layer spectrum scalars and eigenvalues (effective weights)."""
    scalars, eigenvalues = [], []
    for k, w in enumerate(ensemble.weights):
        if not bool(torch.isfinite(w[i]).all()):   # a diverged member: nothing to measure
            scalars.append(dict.fromkeys(LAYER_RESULTS, math.nan))
            eigenvalues.append(np.array([]))
            continue
        s = matrix_spectrum(w[i].detach() * ensemble.multipliers[k], f"layer{k}",
                            min_eigenvalues=opts.min_eigenvalues, min_tail=opts.min_tail)
        scalars.append(s.as_dict())
        eigenvalues.append(s.eigenvalues)
    return scalars, eigenvalues


@register_study
class WeightSpectraStudy(Study):
    card = CARD
    Options = WeightSpectraOptions
    presets = {
        "smoke": {
            "seeds": 1,
            "task": {"name": "digits"},
            "model": {"width": 48, "depth": 2},
            "training": {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "steps": 120,
                         "batch_size": 32, "log_points": 8},
            "data": {"n_train": 600},
            "options": {"spectra_every": 40},
            "grid": {"training.lr": [0.02, 0.1], "training.batch_size": [16, 128]},
        },
        "full": {
            "seeds": 2,
            "task": {"name": "mnist1d"},
            "model": {"width": 256, "depth": 2},
            "training": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "steps": 8000,
                         "batch_size": 64, "log_points": 30},
            "data": {"n_train": 4000, "eval_samples": 10000},
            "options": {"spectra_every": 400},
            "grid": {"model.width": [128, 256, 512], "training.lr": [0.01, 0.05, 0.2],
                     "training.batch_size": [16, 64, 512]},
        },
    }

    def check_trial(self, trial: Trial) -> None:
        if trial.training().online:
            from riskscope.core.errors import SpecError

            raise SpecError("training.online", True, "false: the zoo trains on fixed sets")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        task = trials[0].task()
        spec = trials[0].model_spec(task)
        config = trials[0].training()
        opts = WeightSpectraOptions(**trials[0].section("options"))
        members = [member_seeds(t) for t in trials]
        device = ctx.device
        ensemble = MLPEnsemble.from_seeds(spec, [m.init_seed for m in members], device=device)
        train = sample_training_sets(task, trials[0].section("data")["n_train"],
                                     [m.data_seed for m in members], device)
        batches = FixedBatches(train, len(members), config.batch_size,
                               [m.batch_seed for m in members])
        lr = torch.tensor([m.lr for m in members], device=device)
        wd = torch.tensor([m.weight_decay for m in members], device=device)
        eval_data = evaluation_sample(task, trials[0]).to(device)
        steps: list[int] = []
        rows: list[list[list[dict]]] = []        # [measurement][member][layer]
        final_eigs: list[list[np.ndarray]] = [[] for _ in trials]

        def measure(step: int) -> None:
            steps.append(step)
            row = []
            for i in range(len(trials)):
                scalars, eigs = member_spectra(ensemble, i, opts)
                row.append(scalars)
                final_eigs[i] = eigs
            rows.append(row)

        traj = train_ensemble(ensemble, LossSpec(task.training_loss, task.default_metric),
                              batches, config, lr, wd, eval_data=eval_data,
                              progress=ctx.progress, on_step=measure,
                              on_step_every=opts.spectra_every)
        risk = "risk" if "train_risk" in traj.metrics else "loss"
        outcomes = []
        for i, _trial in enumerate(trials):
            series = traj.member_series(i)
            if traj.stop_reason[i] == "diverged":
                outcomes.append(TrialOutcome("diverged", {"stop_reason": "diverged"}, series))
                continue
            layers_final = rows[-1][i]
            for k in range(len(layers_final)):
                series[f"alpha_layer{k}"] = _finite_series(
                    steps, [row[i][k]["alpha"] for row in rows])
            for name in MEAN_SERIES:
                series[name] = _finite_series(steps, [_means(row[i])[name] for row in rows])
            train_error = float(traj.final(f"train_{risk}")[i])
            test_error = float(traj.final(f"test_{risk}")[i])
            result = {"train_error": train_error, "test_error": test_error,
                      "generalization_gap": test_error - train_error,
                      "train_loss": float(traj.final("train_loss")[i]),
                      "stop_step": int(traj.stop_step[i]),
                      "num_parameters": spec.num_parameters,
                      "num_layers": len(layers_final),
                      **_means(layers_final),
                      "num_spikes": float(sum(d["num_spikes"] for d in layers_final))}
            for k, d in enumerate(layers_final):
                result.update({f"{key}_layer{k}": float(d[key]) for key in LAYER_RESULTS})
            artifacts = {"spectra": {f"layer{k}": torch.from_numpy(np.ascontiguousarray(e))
                                     for k, e in enumerate(final_eigs[i])}}
            outcomes.append(TrialOutcome("done", result, series, artifacts))
        return outcomes


def _finite_series(steps: list[int], values: list[float]) -> tuple[list[int], list[float]]:
    keep = [math.isfinite(v) for v in values]
    return ([s for s, k in zip(steps, keep) if k], [float(v) for v, k in zip(values, keep) if k])


__all__ = ["WeightSpectraStudy", "member_spectra"]
