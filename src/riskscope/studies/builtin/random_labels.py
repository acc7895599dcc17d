"""Built-in study `random-labels`: memorization of partially or fully random labels (Zhang,
Bengio, Hardt, Recht & Vinyals 2017) and how generalization bounds respond.

The task wraps a classification task in `label-noise` (riskscope.tasks.label_noise): a fraction
`task.noise_fraction` of training labels is replaced by uniformly random classes (fixed per
example of a finite pool). The grid sweeps that fraction. Per trial: the training error on the
(noisy) training labels, the test error on clean held-out labels, the gap between them, the
fraction of labels actually changed, the norm/margin bounds with their ratios to the gap
(riskscope.analyses.bounds.norm_bounds), and, with `options.certify`, a PAC-Bayes certificate
with a data-dependent prior (see the `pac-bayes` study). The certificate bounds the error
under the TRAINING distribution (noisy labels): with fully random labels no bound below the
chance error 1 − 1/C may be certified, which is the point of the test.
"""

from __future__ import annotations

from pydantic import Field

from riskscope.analyses.bounds import CertificateSettings, norm_bounds, norm_bounds_unavailable
from riskscope.analyses.bounds.monte_carlo import error_estimate, example_errors
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.core.validation import Params
from riskscope.models.families import build_member
from riskscope.studies.builtin.measures import member_data
from riskscope.studies.builtin.pac_bayes import certify_trials
from riskscope.studies.cards.random_labels import CARD
from riskscope.studies.fit_group import eval_seed, member_seeds
from riskscope.studies.registry import register_study
from riskscope.studies.study import (
    ALL_FAMILIES,
    GroupContext,
    Study,
    TrialOutcome,
    refuse_batch_norm,
)
from riskscope.studies.trial import Trial
from riskscope.tasks import label_noise  # registers the `label-noise` task
from riskscope.tasks.base import Dataset, Task
from riskscope.training.fit import fit_ensemble


class RandomLabelsOptions(Params):
    margin_quantile: float = Field(0.1, gt=0, lt=1)
    delta: float = Field(0.05, gt=0, lt=1, description="confidence of the norm bounds")
    certify: bool = Field(True, description="also compute a PAC-Bayes certificate")
    certificate: CertificateSettings = Field(default_factory=CertificateSettings)


def clean_evaluation_sample(task: Task, trial: Trial) -> Dataset:
    """Held-out examples with clean labels (the base task's held-out set or a fresh sample)."""
    if task.finite:
        return task.holdout()
    n = trial.section("data")["eval_samples"]
    return task.clean_sample(n, torch_generator(eval_seed(trial.section("task"))))


_TASK = {"name": "label-noise", "base": "digits"}


@register_study
class RandomLabelsStudy(Study):
    card = CARD
    supported_families = ALL_FAMILIES
    Options = RandomLabelsOptions
    presets = {
        "smoke": {
            "seeds": 1,
            "task": dict(_TASK),
            "model": {"width": 32, "depth": 1},
            "training": {"optimizer": "adam", "lr": 0.01, "steps": 150, "batch_size": 0,
                         "log_points": 8},
            "data": {"n_train": 150},
            "options": {"certificate": {"posterior_steps": 20, "weight_samples": 32,
                                        "test_weight_samples": 4, "sample_batch": 32}},
            "grid": {"task.noise_fraction": [0.0, 1.0]},
        },
        "full": {
            "seeds": 2,
            "task": dict(_TASK),
            "model": {"width": 256, "depth": 2},
            "training": {"optimizer": "adam", "lr": 0.001, "steps": 4000, "batch_size": 128,
                         "schedule": "constant", "log_points": 30},
            "data": {"n_train": 1348},
            "options": {"certificate": {"prior_sigmas": [0.01], "posterior_steps": 500,
                                        "weight_samples": 1000, "test_weight_samples": 50}},
            "grid": {"task.noise_fraction": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]},
        },
    }


    def check_trial(self, trial: Trial) -> None:
        if trial.section("options").get("certify", True):
            refuse_batch_norm(trial, "options.certify computes a PAC-Bayes certificate over "
                              "the weights (set it false to train batch-norm networks)")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        task = trials[0].task()
        options = RandomLabelsOptions(**trials[0].section("options"))
        test = clean_evaluation_sample(task, trials[0])
        fitted = fit_ensemble(task, trials[0].model_spec(task), trials[0].training(),
                              [member_seeds(t) for t in trials],
                              trials[0].section("data")["n_train"], device=ctx.device,
                              eval_data=test, progress=ctx.progress)
        ens, traj = fitted.ensemble, fitted.trajectory
        sets = [member_data(fitted.train_data, i) for i in range(len(trials))]
        certificates = certify_trials(trials, ctx, task, options.certificate, sets, test) \
            if options.certify else [None] * len(trials)
        changed = task.changed_fraction if task.finite else \
            task.params.noise_fraction * (1 - 1 / task.num_classes)
        outcomes = []
        for i, trial in enumerate(trials):
            series = traj.member_series(i)
            if traj.stop_reason[i] == "diverged":
                outcomes.append(TrialOutcome("diverged", {"stop_reason": "diverged"}, series))
                continue
            model = ens.member(i)
            init = build_member(ens.spec, member_seeds(trial).init_seed)
            test_error = error_estimate(example_errors(model, test), "held-out, clean labels")
            unavailable = norm_bounds_unavailable(model, sets[i].x)  # they need a chain
            if unavailable is None:
                report = norm_bounds(model, sets[i], test, init=init.to(ctx.device),
                                     delta=options.delta,
                                     margin_quantile=options.margin_quantile,
                                     seed=derive_seed(trial.seed, "norm-bounds"))
                errors = (report.train_error, report.test_error, report.gap)
                bounds = {k: v for k, v in report.flat().items()
                          if k not in ("train_error", "test_error", "gap")}
            else:
                train_error = float(example_errors(model, sets[i]).mean())
                errors = (train_error, test_error.value, test_error.value - train_error)
                bounds = {"norm_bounds_unavailable": unavailable}
            result = {"noise_fraction": task.params.noise_fraction, "changed_fraction": changed,
                      "train_error": errors[0], "test_error": errors[1],
                      "test_error_ci_low": test_error.ci_low,
                      "test_error_ci_high": test_error.ci_high,
                      "generalization_gap": errors[2], **bounds}
            cert = certificates[i]
            if cert is not None and cert["status"] == "done":
                result.update({f"pac_bayes_{k}": v for k, v in cert["result"].items()
                               if isinstance(v, (int, float))})
                series.update(cert["series"])
            outcomes.append(TrialOutcome("done", result, series))
        return outcomes


__all__ = ["RandomLabelsStudy", "label_noise"]
