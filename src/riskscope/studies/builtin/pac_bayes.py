"""Built-in study `pac-bayes`: certified PAC-Bayes bounds of trained MLPs on real data.

Per trial (one MLP): draw `data.n_train` examples; for a data-dependent prior, train the prior
mean on a `prior_fraction` split with the trial's [training] section (all members of a group in
one batched ensemble) and keep the rest as the bound set; for a data-free prior, centre the
prior at the initialization and certify on all the data. Then train a Gaussian posterior per
prior scale by minimizing a PAC-Bayes objective (PAC-Bayes with backprop, Pérez-Ortiz et al.
2021) and certify it with the kl bound and a Monte-Carlo step of its own δ′ (see
riskscope.analyses.bounds). Results put side by side: the bound on the stochastic 0-1 error,
the stochastic test error, the deterministic (posterior mean) test error, and the ratio
bound / stochastic test error; plus everything the certificate records (δ, δ′, n, m, KL, ...).
"""

from __future__ import annotations

import torch

from riskscope.analyses.bounds import CertificateSettings
from riskscope.analyses.bounds.monte_carlo import deterministic_error
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.families import build_ensemble, build_member
from riskscope.procedures import fit_and_certify, split_for_prior
from riskscope.studies.cards.pac_bayes import CARD
from riskscope.studies.fit_group import evaluation_sample, member_seeds
from riskscope.studies.registry import register_study
from riskscope.studies.study import (
    ALL_FAMILIES,
    GroupContext,
    Study,
    TrialOutcome,
    refuse_batch_norm,
)
from riskscope.studies.trial import Trial
from riskscope.tasks.base import Dataset, Task
from riskscope.training.data_source import FixedBatches
from riskscope.training.trainer import LossSpec, train_ensemble


class PacBayesOptions(CertificateSettings):
    """The certificate's settings (riskscope.analyses.bounds.CertificateSettings); the prior
    mean of a data-dependent prior is trained with the trial's [training] section."""


def _stack(sets: list[Dataset]) -> Dataset:
    if all(s is sets[0] for s in sets):
        return sets[0]
    return Dataset(torch.stack([s.x for s in sets]), torch.stack([s.y for s in sets]))


def train_members(trials: list[Trial], task: Task, sets: list[Dataset], ctx: GroupContext,
                  eval_data: Dataset | None = None) -> tuple[MLPEnsemble, dict]:
    """Train one ensemble (member i on sets[i]) with the trials' [training] section, evaluated
    on `eval_data` at the log points; returns the ensemble and its trajectory."""
    config = trials[0].training()
    seeds = [member_seeds(t) for t in trials]
    ensemble = build_ensemble(trials[0].model_spec(task), [s.init_seed for s in seeds],
                                      device=ctx.device)
    data = _stack(sets).to(ctx.device)
    batches = FixedBatches(data, len(trials), min(config.batch_size, data.x.shape[-2]),
                           [s.batch_seed for s in seeds])
    lr = torch.tensor([s.lr for s in seeds], device=ctx.device)
    wd = torch.tensor([s.weight_decay for s in seeds], device=ctx.device)
    traj = train_ensemble(ensemble, LossSpec("cross_entropy", "zero_one"), batches, config, lr,
                          wd, eval_data=None if eval_data is None else eval_data.to(ctx.device),
                          progress=ctx.progress)
    return ensemble, traj


def certify_trials(trials: list[Trial], ctx: GroupContext, task: Task, options: CertificateSettings,
                   train_sets: list[Dataset], test: Dataset) -> list[dict]:
    """Certificates for a group of trials (`train_sets[i]`: trial i's training data). Returns per
    trial: the certificate's flat results, derived ratios, and metric series."""
    spec = trials[0].model_spec(task)
    seeds = [member_seeds(t) for t in trials]
    inits = [build_member(spec, s.init_seed).to(ctx.device) for s in seeds]
    dependent = options.prior == "data-dependent"
    splits = [split_for_prior(d, options.prior_fraction, derive_seed(t.data_seed, "prior-split"))
              if dependent else (None, d) for d, t in zip(train_sets, trials)]
    trained, series = None, {}
    if dependent or options.posterior_start == "model":
        parts = [p if dependent else d for (p, _), d in zip(splits, train_sets)]
        trained, traj = train_members(trials, task, parts, ctx, eval_data=test)
    out = []
    for i, trial in enumerate(trials):
        if trained is not None and traj.stop_reason[i] == "diverged":
            out.append({"status": "diverged", "result": {"stop_reason": "diverged"},
                        "series": {f"prior_{k}": v for k, v in traj.member_series(i).items()}})
            continue
        net = trained.member(i) if trained is not None else inits[i]
        prior_net = net if dependent else inits[i]
        prior_mean = {n: p.detach() for n, p in prior_net.named_parameters()}
        bound_data = splits[i][1]
        train_data = train_sets[i] if options.posterior_data == "all" else bound_data
        settings = options.model_copy(update={"seed": derive_seed(trial.seed, "certificate")})
        certified = fit_and_certify(net, prior_mean, train_data, bound_data, settings, test)
        cert = certified.certificate
        row = cert.flat()
        row.update(
            prior_training_s=traj.wall_s if trained is not None else 0.0,
            posterior_training_s=certified.posterior_training_s,
            certification_s=certified.certification_s,
            prior_test_error=deterministic_error(prior_net, test),
            prior_train_error=deterministic_error(prior_net, train_sets[i]),
            num_priors_tried=len(certified.all_certificates),
            # the selection over the prior-scale grid: each σ_P's (pilot) 0-1 bound
            grid_prior_sigmas=" ".join(f"{c.prior_sigma:g}" for c in certified.all_certificates),
            grid_bounds=" ".join(f"{c.zero_one.risk_bound:.4f}"
                                 for c in certified.all_certificates))
        series = dict(certified.history.series())
        if trained is not None:
            series.update({f"prior_{k}": v for k, v in traj.member_series(i).items()})
        out.append({"status": "done", "result": row, "series": series})
    return out


@register_study
class PacBayesStudy(Study):
    card = CARD
    supported_families = ALL_FAMILIES
    Options = PacBayesOptions
    presets = {
        "smoke": {
            "seeds": 2,
            "task": {"name": "digits"},
            "model": {"width": 16, "depth": 1},
            "training": {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "steps": 100,
                         "batch_size": 64, "log_points": 6},
            "data": {"n_train": 300, "eval_samples": 500},
            "options": {"prior_sigmas": [0.01, 0.03], "posterior_steps": 30,
                        "weight_samples": 32, "test_weight_samples": 8, "sample_batch": 32},
            "grid": {"options.prior": ["data-dependent", "data-free"]},
        },
        "full": {
            "seeds": 2,
            "task": {"name": "digits"},
            "model": {"width": 100, "depth": 2},
            "training": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "steps": 3000,
                         "batch_size": 64, "log_points": 20},
            "data": {"n_train": 1348, "eval_samples": 10000},
            "options": {"prior_sigmas": [0.001, 0.003, 0.01], "posterior_steps": 3000,
                        "posterior_lr": 0.001, "weight_samples": 50000,
                        "selection_weight_samples": 500, "test_weight_samples": 200},
            "grid": {"zip": {"task.name": ["digits", "mnist1d"],
                             "data.n_train": [1348, 16000],
                             "options.weight_samples": [50000, 10000]}},
        },
        # The MNIST-1D CNN of Greydanus 2020 certified like the MLP of `full` (Pérez-Ortiz et
        # al. 2021 find convolutional posteriors certify tighter), with a smaller budget that
        # fits a CPU: n = 4000, 1,000 posterior steps, 2,000 weight samples. Run the MLP the
        # same way with `--preset cnn-mnist1d --set model.family=mlp --set model.width=100
        # --set model.depth=2` for the side-by-side in docs/model-families.md.
        "cnn-mnist1d": {
            "seeds": 1,
            "task": {"name": "mnist1d"},
            "model": {"family": "cnn", "channels": [25, 25, 25]},
            "training": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "steps": 3000,
                         "batch_size": 64, "log_points": 20},
            "data": {"n_train": 4000, "eval_samples": 4000},
            "options": {"prior_sigmas": [0.001, 0.003, 0.01], "posterior_steps": 1000,
                        "posterior_lr": 0.001, "weight_samples": 2000,
                        "selection_weight_samples": 200, "test_weight_samples": 100},
            "grid": {"options.prior": ["data-dependent"]},
        },
    }

    def work_steps(self, trial: Trial) -> int:
        return trial.training().steps


    def check_trial(self, trial: Trial) -> None:
        refuse_batch_norm(trial, "the PAC-Bayes certificate is over the weights")

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        task = trials[0].task()
        options = PacBayesOptions(**trials[0].section("options"))
        n = trials[0].section("data")["n_train"]
        cache: dict[int, Dataset] = {}
        sets = []
        for trial in trials:
            seed = member_seeds(trial).data_seed
            if seed not in cache:
                cache[seed] = task.sample(n, torch_generator(seed))
            sets.append(cache[seed])
        test = evaluation_sample(task, trials[0])
        rows = certify_trials(trials, ctx, task, options, sets, test)
        return [TrialOutcome(r["status"], r["result"], _network_curves(r["series"]))
                for r in rows]


#: the certified network's own training curves, stored under the names every report plots
_CURVES = ("train_loss", "train_risk", "test_loss", "test_risk")


def _network_curves(series: dict) -> dict:
    """`prior_train_loss` → `train_loss` etc.: the network whose training the prior (or the
    posterior's start) came from is the study's trained network, so its train and test curves
    and their gap are the report's training curves."""
    renamed = {f"prior_{curve}": curve for curve in _CURVES}
    return {renamed.get(name, name): v for name, v in series.items()}
