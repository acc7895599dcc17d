"""Built-in study `single-index`: sample complexity vs dimension for information exponents 1–3.

Task `single-index` (tasks/sparse/index_models.py): y = h_p(⟨w*, x⟩), x ~ N(0, I_d), w*
k-sparse. A one-hidden-layer ReLU network is trained on a fixed training set of n samples for
each (d, p, n) on the grid (seeds batched as one ensemble) and evaluated on the fixed
evaluation sample. Theory (Ben Arous et al. 2021; Damian et al. 2023): the samples needed grow
like d^(p−1) for online SGD (d·log d for p ≤ 2), so the curves of error vs n shift right
faster in d for larger p.

Per trial: test_error = test MSE / Var(y) (Var y = 1 + σ², so 1 = predicting 0), train loss,
the first layer's alignment with w* (share of squared weight along w*, chance 1/d), and the
best neuron's squared cosine with w*. Run level: `sample_complexity_table(frame, target)`
gives, per (d, p), the mean error per n with CIs and the smallest n reaching `target`.

Presets `multi-index` / `multi-index-smoke` run the `multi-index` task (r = 2 orthonormal
sparse directions, link h₁) with the two links on the grid: "sum" (z₁ + z₂)/√2 is learnable
direction by direction (information exponent 1), "product" z₁z₂ has information exponent 2
(r·p), so it needs more samples. For multi-index trials the result also names the link and r,
alignment is with the span of the directions (chance r/d), and the table groups by link too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from pydantic import Field

from riskscope.analyses.features import sample_complexity_curve, samples_to_reach
from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.probes.features import subspace_alignment
from riskscope.studies.cards.single_index import CARD
from riskscope.studies.fit_group import fit_group
from riskscope.studies.registry import register_study
from riskscope.studies.study import GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial

_MULTI_INDEX = {"name": "multi-index", "input_dim": 16, "sparsity": 2, "num_directions": 2,
                "information_exponent": 1, "link": "sum"}


class SingleIndexOptions(Params):
    target_error: float = Field(default=0.1, gt=0, description="for samples-to-reach")


@register_study
class SingleIndexStudy(Study):
    card = CARD
    Options = SingleIndexOptions
    presets = {
        "smoke": {
            "seeds": 2,
            "task": {"name": "single-index", "input_dim": 8, "sparsity": 2,
                     "information_exponent": 1},
            "model": {"width": 32, "depth": 1},
            "training": {"optimizer": "adam", "lr": 0.01, "steps": 300, "batch_size": 0},
            "data": {"n_train": 64, "eval_samples": 2048},
            "grid": {"task.information_exponent": [1, 3], "data.n_train": [32, 512]},
        },
        "full": {
            "seeds": 4,
            "task": {"name": "single-index", "input_dim": 32, "sparsity": 4,
                     "information_exponent": 2},
            "model": {"width": 512, "depth": 1},
            "training": {"optimizer": "adam", "lr": 0.003, "steps": 5000, "batch_size": 128},
            "data": {"n_train": 1024, "eval_samples": 8192},
            "grid": {"task.input_dim": [16, 32, 64], "task.information_exponent": [1, 2, 3],
                     "data.n_train": [128, 512, 2048, 8192, 32768]},
        },
        "multi-index-smoke": {
            "seeds": 2,
            "task": _MULTI_INDEX,
            "model": {"width": 64, "depth": 1},
            "training": {"optimizer": "adam", "lr": 0.01, "steps": 400, "batch_size": 0},
            "data": {"n_train": 64, "eval_samples": 2048},
            "grid": {"task.link": ["sum", "product"], "data.n_train": [32, 1024]},
        },
        "multi-index": {
            "seeds": 4,
            "task": {**_MULTI_INDEX, "input_dim": 32},
            "model": {"width": 256, "depth": 1},
            "training": {"optimizer": "adam", "lr": 0.003, "steps": 3000, "batch_size": 128},
            "data": {"n_train": 1024, "eval_samples": 8192},
            "grid": {"task.input_dim": [16, 32], "task.link": ["sum", "product"],
                     "data.n_train": [128, 512, 2048, 8192, 32768]},
        },
    }

    def check_trial(self, trial: Trial) -> None:
        name = trial.section("task")["name"]
        if name not in ("single-index", "multi-index"):
            raise SpecError("task.name", name, "'single-index' or 'multi-index'")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        fitted = fit_group(trials, ctx)
        task, ens, traj = fitted.task, fitted.ensemble, fitted.trajectory
        eval_data = fitted.eval_data
        with torch.no_grad():
            pred = ens(eval_data.x)
        var_y = 1.0 + task.params.noise_std**2
        mse = (pred - eval_data.y).pow(2).sum(-1).mean(-1).double().cpu().numpy()
        basis = task.ground_truth()["subspace_basis"]
        align = subspace_alignment(ens.weights[0], basis)
        outcomes = []
        for i in range(len(trials)):
            diverged = traj.stop_reason[i] == "diverged"
            result = {
                "input_dim": task.params.input_dim,
                "information_exponent": task.params.information_exponent,
                "n_train": trials[i].section("data")["n_train"],
                "test_error": float(mse[i] / var_y),
                "train_loss": float(traj.final("train_loss")[i]),
                "alignment": float(align.mass_share[i]),
                "alignment_chance": align.chance,
                "best_neuron_cosine2": float(np.max(align.per_neuron[i])),
                "stop_reason": traj.stop_reason[i],
                **_multi_index_keys(task),
            }
            outcomes.append(TrialOutcome("diverged" if diverged else "done", result,
                                         traj.member_series(i)))
        return outcomes


def _multi_index_keys(task) -> dict:
    if task.name != "multi-index":
        return {}
    return {"link": task.params.link, "num_directions": task.params.num_directions}


def sample_complexity_table(trials: pd.DataFrame, target: float = 0.1) -> pd.DataFrame:
    """Per (input_dim, information_exponent[, link]): n values, mean errors with CIs, and the
    smallest n whose mean test error ≤ target (NaN if none on the grid). The link column is
    there when the trials ran the multi-index task."""
    rows = trials[trials["status"] == "done"] if "status" in trials else trials
    keys = ["result.input_dim", "result.information_exponent"]
    if "result.link" in rows:
        keys.append("result.link")
    out = []
    for values, group in rows.groupby(keys, dropna=False):
        d, p = values[0], values[1]
        extra = {"link": values[2]} if len(values) > 2 and isinstance(values[2], str) else {}
        curve = sample_complexity_curve(group["result.n_train"].to_numpy(),
                                        group["result.test_error"].to_numpy(dtype=float))
        out.append({"input_dim": int(d), "information_exponent": int(p), **extra,
                    "n_train": [c.n_train for c in curve],
                    "test_error": [c.error.value for c in curve],
                    "test_error_ci_low": [c.error.ci_low for c in curve],
                    "test_error_ci_high": [c.error.ci_high for c in curve],
                    "samples_to_reach": samples_to_reach(curve, target)})
    return pd.DataFrame(out)
