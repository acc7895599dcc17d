"""Built-in study `measures`: complexity measures across a model zoo (Jiang et al. 2020).

A zoo of small MLPs on a real data set, varying width, depth, learning rate, batch size, weight
decay and seed (members differing only in seed, learning rate or weight decay train together as
one ensemble). As in Jiang et al. 2020 the full preset trains every model until its
cross-entropy on the whole training set reaches 0.01 (`training.target_loss`, checked once per
epoch), within a step budget; `reached_target_loss` says which did, so the zoo can be scored
over all models or over those at equal training loss only
(`score_measures(..., only="result.reached_target_loss")`). Per trial: training and test 0-1
errors, the generalization gap (test − train), the step the model stopped at, and every
measure of `riskscope.analyses.measures.MEASURES` as `measure_<name>` (plus the margin and the
perturbation scales). The scores of each measure over the zoo — Kendall τ, granulated
Ψ, conditional mutual information — are computed from the stored trials with
`riskscope.analyses.measures.score_measures(store.trials(run_id))` and drawn with
`plot_measure_scores`.
Other families run too: measures stated for chains of layers are NaN for a network that is not
one (a ResNet, random features), all layer-wise ones for a network with parameters outside
weight layers (a transformer, a normalized net), and `layer_measures_unavailable` says why.
"""

from __future__ import annotations

from riskscope.analyses.bounds.monte_carlo import deterministic_error
from riskscope.analyses.measures import (
    MeasureSettings,
    complexity_measures,
    layer_measures_unavailable,
)
from riskscope.core.rng import derive_seed
from riskscope.models.families import build_member
from riskscope.studies.cards.measures import CARD
from riskscope.studies.fit_group import fit_group, member_seeds
from riskscope.studies.registry import register_study
from riskscope.studies.study import ALL_FAMILIES, GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial
from riskscope.tasks.base import Dataset


class MeasuresOptions(MeasureSettings):
    """The measures' settings (riskscope.analyses.measures.MeasureSettings)."""


def member_data(data: Dataset, i: int) -> Dataset:
    """Member i's training set from a shared [n, d] or stacked [M, n, d] one."""
    return data if data.x.dim() == 2 else Dataset(data.x[i], data.y[i])


@register_study
class MeasuresStudy(Study):
    card = CARD
    supported_families = ALL_FAMILIES
    Options = MeasuresOptions
    presets = {
        "smoke": {
            "seeds": 1,
            "task": {"name": "digits"},
            "model": {"width": 8, "depth": 1},
            "training": {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "steps": 120,
                         "batch_size": 50, "log_points": 8},
            "data": {"n_train": 200},
            "options": {"perturbation_examples": 200, "perturbation_draws": 2,
                        "search_iterations": 4, "ascent_steps": 2, "gradient_examples": 32},
            "grid": {"model.width": [8, 16], "training.lr": [0.05, 0.2]},
        },
        "full": {
            "seeds": 2,
            "task": {"name": "mnist1d"},
            "model": {"width": 64, "depth": 1},
            "training": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "steps": 12000,
                         "batch_size": 64, "log_points": 30, "target_loss": 0.01},
            "data": {"n_train": 2000, "eval_samples": 10000},
            "options": {"perturbation_examples": 1000, "perturbation_draws": 4,
                        "search_iterations": 12, "ascent_steps": 5},
            "grid": {"model.width": [64, 128], "model.depth": [1, 2],
                     "training.lr": [0.01, 0.05], "training.batch_size": [32, 256],
                     "training.weight_decay": [0.0, 0.0001]},
        },
    }

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        fitted = fit_group(trials, ctx)
        ens, traj = fitted.ensemble, fitted.trajectory
        options = MeasuresOptions(**trials[0].section("options"))
        spec = ens.spec
        outcomes = []
        for i, trial in enumerate(trials):
            if traj.stop_reason[i] == "diverged":
                outcomes.append(TrialOutcome("diverged", {"stop_reason": "diverged"},
                                             traj.member_series(i)))
                continue
            model = ens.member(i)
            init = build_member(spec, member_seeds(trial).init_seed).to(ctx.device)
            train = member_data(fitted.train_data, i)
            train_error = deterministic_error(model, train)
            test_error = deterministic_error(model, fitted.eval_data)
            series = traj.member_series(i)
            values = complexity_measures(
                model, train, init=init, training_curve=series["train_loss"],
                seed=derive_seed(trial.seed, "measures"), **options.model_dump())
            result = {"train_error": train_error, "test_error": test_error,
                      "generalization_gap": test_error - train_error,
                      "train_loss": float(traj.final("train_loss")[i]),
                      "reached_target_loss": traj.stop_reason[i] == "target_loss",
                      "stop_step": int(traj.stop_step[i]),
                      "num_parameters": spec.num_parameters,
                      **{(k if k == "margin" or k.startswith("scale_") else f"measure_{k}"): v
                         for k, v in values.items()}}
            unavailable = layer_measures_unavailable(model, train.x)
            if unavailable is not None:
                result["layer_measures_unavailable"] = unavailable
            outcomes.append(TrialOutcome("done", result, series))
        return outcomes


__all__ = ["MeasuresStudy", "member_data"]
