"""Built-in study `sparse-parity`: steps-to-learn, abruptness and hidden progress (Barak et al.
2022) of a one-hidden-layer ReLU network on k-sparse parities of n bits.

Training: SGD on two logits, online by default (fresh samples every step, so steps = samples
seen); the `full` preset uses the hinge loss on z₁ − z₀ as Barak et al. do (`training.loss =
"hinge"`), `smoke` the task's cross-entropy. Every `options.measure_every` steps of the one
training run (a `train_ensemble` hook, so momentum, Adam and schedules work as usual) every
member's test accuracy and loss on the fixed evaluation sample, the Fourier gap of z₁ − z₀, the
first layer's movement and its alignment with the support are measured
(procedures/hidden_progress.py); the Fourier gap, the costly one, every
`options.fourier_every` steps (the full preset: every 100, the rest every 10).

Per trial: steps_to_learn (first measured step with test accuracy ≥ options.accuracy_threshold,
NaN if never: censored), learned, t10/t90/transition width/relative width, final accuracy,
and the hidden-progress measures at the end of the plateau (the last measurement with accuracy
below chance + 0.1) against their initial values; at the end, on the evaluation sample, the
hidden features' effective rank and activation sparsity and NC1–NC4 of the classifier.
Series: every measure over training.
Run level: `steps_to_learn_exponents(frame)` fits T ≈ C nᵅ per k from the stored trials.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from pydantic import Field

from riskscope.analyses.features import fit_steps_to_learn, learning_transition
from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed
from riskscope.core.validation import Params
from riskscope.models.ensemble import MLPEnsemble
from riskscope.probes.features import activation_sparsity, effective_rank, neural_collapse
from riskscope.procedures.hidden_progress import track_hidden_progress
from riskscope.studies.cards.sparse_parity import CARD
from riskscope.studies.fit_group import evaluation_sample, member_seeds
from riskscope.studies.registry import register_study
from riskscope.studies.study import GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial
from riskscope.training import FixedBatches, OnlineBatches
from riskscope.training.fit import sample_training_sets


class SparseParityOptions(Params):
    measure_every: int = Field(default=100, ge=1, description="steps between measurements")
    fourier_every: int = Field(default=0, ge=0, description="steps between Fourier-gap "
                               "measurements, a multiple of measure_every (0 = every one)")
    accuracy_threshold: float = Field(default=0.99, gt=0.5, le=1.0)
    stop_when_learned: bool = Field(default=True, description="stop a group once all learned")
    fourier_samples: int = Field(default=8192, ge=64, description="inputs for sampled gaps")
    exact_fourier_max_bits: int = Field(default=16, ge=1, le=20)


_SMOKE_TASK = {"name": "sparse-parity", "n_bits": 8, "k": 3}


@register_study
class SparseParityStudy(Study):
    card = CARD
    Options = SparseParityOptions
    presets = {
        "smoke": {
            "seeds": 2,
            "task": _SMOKE_TASK,
            "model": {"width": 64, "depth": 1},
            "training": {"optimizer": "sgd", "lr": 0.1, "batch_size": 32, "online": True,
                         "steps": 1500},
            "data": {"n_train": 32, "eval_samples": 1024},
            "options": {"measure_every": 40},
            "grid": {"task.n_bits": [7, 10], "data_seed": [0]},
        },
        "full": {
            "seeds": 8,
            "task": {"name": "sparse-parity", "n_bits": 20, "k": 3},
            "model": {"width": 1000, "depth": 1},
            "training": {"optimizer": "sgd", "lr": 0.1, "batch_size": 32, "online": True,
                         "steps": 200_000, "loss": "hinge"},
            "data": {"n_train": 32, "eval_samples": 4096},
            "options": {"measure_every": 10, "fourier_every": 100},
            "grid": {"task.n_bits": [10, 14, 20, 28, 40], "task.k": [2, 3], "data_seed": [0]},
        },
    }

    def check_trial(self, trial: Trial) -> None:
        if trial.section("task")["name"] != "sparse-parity":
            raise SpecError("task.name", trial.section("task")["name"], "'sparse-parity'")
        t = trial.section("training")
        opts = trial.section("options")
        if opts["fourier_every"] % opts["measure_every"]:
            raise SpecError("options.fourier_every", opts["fourier_every"],
                            f"0 or a multiple of options.measure_every = "
                            f"{opts['measure_every']}")
        if not t["online"] and t["batch_size"] > trial.section("data")["n_train"]:
            raise SpecError("data.n_train", trial.section("data")["n_train"],
                            f"at least training.batch_size = {t['batch_size']}")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        opts = SparseParityOptions(**trials[0].section("options"))
        task = trials[0].task()
        spec = trials[0].model_spec(task)
        config = trials[0].training()
        seeds = [member_seeds(t) for t in trials]
        ensemble = MLPEnsemble.from_seeds(spec, [s.init_seed for s in seeds], device=ctx.device)
        if config.online:
            batches = OnlineBatches(task.sample, config.batch_size,
                                    derive_seed(seeds[0].data_seed, "stream"), ctx.device)
        else:
            train = sample_training_sets(task, trials[0].section("data")["n_train"],
                                         [s.data_seed for s in seeds], ctx.device)
            batches = FixedBatches(train, len(trials), config.batch_size,
                                   [s.batch_seed for s in seeds])
        truth = task.ground_truth()
        progress = track_hidden_progress(
            ensemble, batches, config, torch.tensor([s.lr for s in seeds], device=ctx.device),
            torch.tensor([s.weight_decay for s in seeds], device=ctx.device),
            evaluation_sample(task, trials[0]).to(ctx.device), truth["support"],
            truth["subspace_basis"], opts.measure_every, opts.fourier_samples,
            derive_seed(0, "fourier", task.params.n_bits),
            opts.exact_fourier_max_bits,
            opts.accuracy_threshold if opts.stop_when_learned else None, ctx.progress,
            opts.fourier_every)
        final = _final_representation(ensemble, evaluation_sample(task, trials[0]))
        return [self._outcome(progress, i, task, opts, final[i]) for i in range(len(trials))]

    @staticmethod
    def _outcome(progress, i: int, task, opts: SparseParityOptions, final: dict
                 ) -> TrialOutcome:
        s = {name: v[:, i] for name, v in progress.series.items()}
        acc = s["test_accuracy"]
        if not np.isfinite(acc).all():
            return TrialOutcome("diverged", {"n_bits": task.params.n_bits, "k": task.params.k},
                                progress.member_series(i))
        tr = learning_transition(progress.steps, acc, opts.accuracy_threshold)
        plateau = np.flatnonzero(acc < 0.6)
        p = int(plateau[-1]) if plateau.size else 0
        measured = np.flatnonzero(np.isfinite(s["fourier_gap"]))   # see options.fourier_every
        pf = int(measured[measured <= p][-1]) if (measured <= p).any() else 0
        result = {
            "n_bits": task.params.n_bits, "k": task.params.k,
            **{key: (float(v) if not isinstance(v, bool) else v)
               for key, v in tr.to_dict().items()},
            "transition_width": tr.width,
            "final_test_accuracy": float(acc[-1]), "final_test_loss": float(s["test_loss"][-1]),
            "plateau_end_step": int(progress.steps[p]),
            "plateau_test_accuracy": float(acc[p]),
            "initial_fourier_gap": float(s["fourier_gap"][0]),
            "plateau_fourier_gap": float(s["fourier_gap"][pf]),
            "plateau_fourier_step": int(progress.steps[pf]),
            "final_fourier_gap": float(s["fourier_gap"][measured[-1]]),
            "initial_support_alignment": float(s["support_alignment"][0]),
            "plateau_support_alignment": float(s["support_alignment"][p]),
            "final_support_alignment": float(s["support_alignment"][-1]),
            "plateau_weight_movement_l1": float(s["weight_movement_l1"][p]),
            "final_weight_movement_l1": float(s["weight_movement_l1"][-1]),
            "support_alignment_chance": task.params.k / task.params.n_bits,
            **final,
            "fourier_method": progress.fourier_method,
            "steps_run": progress.steps_run, "group_wall_s": progress.wall_s,
        }
        result.pop("width", None)
        return TrialOutcome("done", result, progress.member_series(i))


@torch.no_grad()
def _final_representation(ensemble: MLPEnsemble, eval_data) -> list[dict]:
    """Effective rank and sparsity of the hidden features and NC1–NC4 on the evaluation
    sample, per member, at the end of training."""
    x = eval_data.x.to(ensemble.weights[0].device)
    features = ensemble.features(x)
    ranks = effective_rank(features)
    sparsity = activation_sparsity(features)
    out = []
    for i in range(ensemble.num_members):
        nc = neural_collapse(features[i], eval_data.y, ensemble.weights[-1][i] *
                             ensemble.multipliers[-1],
                             None if ensemble.biases is None else ensemble.biases[-1][i, 0], 2)
        out.append({"final_effective_rank": float(ranks[i]),
                    "final_activation_zero_fraction": float(sparsity.zero_fraction[i]),
                    "final_dead_fraction": float(sparsity.dead_fraction[i]),
                    **{f"final_{k}": v for k, v in nc.to_dict().items()}})
    return out


def steps_to_learn_exponents(trials: pd.DataFrame, rng: int = 0, n_resamples: int = 2000
                             ) -> dict[int, dict]:
    """Run-level fit of steps-to-learn ≈ C·n^α per k from `Store.trials(run_id)` rows
    (columns result.n_bits, result.k, result.steps_to_learn); unlearned trials are censored."""
    rows = trials[trials["status"] == "done"] if "status" in trials else trials
    n = rows["result.n_bits"].to_numpy(dtype=float)
    k = rows["result.k"].to_numpy(dtype=float).astype(int)
    t = pd.to_numeric(rows["result.steps_to_learn"], errors="coerce").to_numpy(dtype=float)
    fits = fit_steps_to_learn(n, k, t, rng=rng, n_resamples=n_resamples)
    return {kk: fit.to_dict() for kk, fit in fits.items()}


__all__ = ["SparseParityStudy", "steps_to_learn_exponents"]
