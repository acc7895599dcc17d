"""Certify any network: choose the prior, train Gaussian posteriors over a grid of prior scales,
certify each at δ/k and keep the best (the union bound pays for the choice).

`pac_bayes_certificate(model, data, init=...)` is the one-call API for a user's `nn.Module`
(Linear and Conv layers) with `data` a DataLoader, an (x, y) pair or a riskscope Dataset.
`init` (the weights at initialization) is required: the data-free prior is centred there and
the data-dependent prior is trained from there. Using the trained model's own weights as the
prior centre would let the prior see the bound set and void the certificate.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from riskscope.analyses.bounds.certificate import (
    PacBayesCertificate,
    certify_posterior,
    check_certificate_settings,
)
from riskscope.analyses.bounds.gaussian_posterior import GaussianPosterior
from riskscope.analyses.bounds.settings import CertificateSettings, NetworkCertificateSettings
from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed
from riskscope.core.validation import validate_params
from riskscope.probes.complexity.data_input import as_dataset
from riskscope.probes.complexity.layers import check_fixed_predictor
from riskscope.probes.complexity.norms import init_state
from riskscope.procedures.posterior_training import PosteriorHistory, train_posterior
from riskscope.procedures.prior import split_for_prior, train_prior_mean
from riskscope.tasks.base import Dataset
from riskscope.training.config import TrainingConfig


@dataclass
class CertifiedPosterior:
    """The best certificate over the prior grid, its posterior and its training history;
    `all_certificates` holds one per prior scale (each valid at δ/k on its own; pilot
    certificates when the choice was made on pilots). Wall times in seconds: training the k
    posteriors, and computing the certificates (pilots and final, test errors included)."""

    certificate: PacBayesCertificate
    posterior: GaussianPosterior
    history: PosteriorHistory
    all_certificates: list[PacBayesCertificate]
    posterior_training_s: float = 0.0
    certification_s: float = 0.0


def fit_and_certify(model: nn.Module, prior_mean: Mapping[str, torch.Tensor],
                    train_data: Dataset, bound_data: Dataset, settings: CertificateSettings,
                    test_data: Dataset | None = None) -> CertifiedPosterior:
    """For each σ_P in the grid: a posterior from the prior mean (or the model), trained on
    `train_data` and certified on `bound_data` at δ/k; the lowest 0-1 bound wins.

    With `selection_weight_samples` > 0 (and k > 1) the choice is made on pilot certificates
    with that many weight samples, and only the chosen posterior is certified with
    `weight_samples` fresh ones: the union bound covers any choice among the k priors, and
    the Monte-Carlo step of the final certificate uses samples drawn after the choice.
    Without pilots the choice looks at each certificate's own Monte-Carlo estimate, so the
    sampling step is union-bounded over the grid as well (δ′/k each, `mc_choices` = k)."""
    s = settings
    k = len(s.prior_sigmas)
    check_certificate_settings(s.delta, s.delta_mc, k, s.weight_samples, s.p_min)
    start = None if s.posterior_start == "prior" else dict(model.named_parameters())
    pilot = s.selection_weight_samples if k > 1 else 0

    def certify(posterior: GaussianPosterior, samples: int, seed: int, mc_choices: int
                ) -> PacBayesCertificate:
        return certify_posterior(
            posterior, bound_data, delta=s.delta, delta_mc=s.delta_mc,
            num_weight_samples=samples, seed=seed, prior_grid_size=k, p_min=s.p_min,
            prior=s.prior, test_data=test_data, test_weight_samples=s.test_weight_samples,
            sample_batch=s.sample_batch, example_batch=s.example_batch,
            mc_choices=mc_choices)

    results = []
    train_s = certify_s = 0.0
    for j, sigma in enumerate(s.prior_sigmas):
        start_j = time.perf_counter()
        posterior = GaussianPosterior(model, sigma, prior_mean=prior_mean, mean=start,
                                      sigma_transform=s.sigma_transform)
        history = train_posterior(
            posterior, train_data, bound_set_size=len(bound_data), objective=s.objective,
            delta=s.delta, prior_grid_size=k, steps=s.posterior_steps,
            optimizer=s.posterior_optimizer, lr=s.posterior_lr,
            momentum=s.posterior_momentum, batch_size=s.posterior_batch_size, p_min=s.p_min,
            seed=derive_seed(s.seed, "posterior", j))
        trained_at = time.perf_counter()
        train_s += trained_at - start_j
        samples, seed = (pilot, derive_seed(s.seed, "pilot", j)) if pilot else \
            (s.weight_samples, derive_seed(s.seed, "certificate", j))
        # a pilot is only compared, never reported; without pilots the k certificates are
        # compared on their own samples, which the δ′ of each must pay for
        results.append((certify(posterior, samples, seed, 1 if pilot else k), posterior,
                        history, j))
        certify_s += time.perf_counter() - trained_at
    best = min(results, key=lambda r: r[0].zero_one.risk_bound)
    certificate = best[0]
    if pilot:
        start_final = time.perf_counter()
        certificate = certify(best[1], s.weight_samples,
                              derive_seed(s.seed, "certificate", best[3]), 1)
        certify_s += time.perf_counter() - start_final
    return CertifiedPosterior(certificate, best[1], best[2], [r[0] for r in results],
                              train_s, certify_s)


def prior_training_config(s: NetworkCertificateSettings) -> TrainingConfig:
    return TrainingConfig(optimizer="sgd", lr=s.prior_lr, momentum=s.prior_momentum,
                          steps=max(s.prior_steps, 1), batch_size=s.prior_batch_size,
                          log_points=10)


def certify_network(model: nn.Module, data, *, init: nn.Module | Mapping[str, torch.Tensor],
                    test_data=None, **settings) -> CertifiedPosterior:
    """`pac_bayes_certificate`, returning the posterior and history as well."""
    s = validate_params(NetworkCertificateSettings, settings, prefix="settings")
    if not isinstance(model, nn.Module):
        raise SpecError("model", type(model).__name__, "a torch nn.Module")
    check_fixed_predictor(model)
    if init is None:
        raise SpecError("init", None, "the network's weights at initialization (a module or "
                        "state dict): the prior is centred there (data-free) or trained from "
                        "there (data-dependent)")
    init_params = init_state(init)
    names = dict(model.named_parameters())
    for name, p in names.items():
        if name not in init_params or init_params[name].shape != p.shape:
            raise SpecError(f"init[{name!r}]", "missing" if name not in init_params
                            else tuple(init_params[name].shape), f"shape {tuple(p.shape)}")
    dataset = as_dataset(data, "data")
    test = None if test_data is None else as_dataset(test_data, "test_data")
    check_certificate_settings(s.delta, s.delta_mc, len(s.prior_sigmas), s.weight_samples,
                               s.p_min)
    init_model = copy.deepcopy(model)
    with torch.no_grad():
        for name, p in init_model.named_parameters():
            p.copy_(init_params[name])
    if s.prior == "data-free":
        prior_mean = {n: p.detach() for n, p in init_model.named_parameters()}
        bound_data = train_data = dataset
    else:
        prior_part, bound_data = split_for_prior(dataset, s.prior_fraction, s.seed)
        if s.prior_steps > 0:
            init_model, _ = train_prior_mean(init_model, prior_part, prior_training_config(s),
                                             derive_seed(s.seed, "prior"))
        prior_mean = {n: p.detach() for n, p in init_model.named_parameters()}
        train_data = dataset if s.posterior_data == "all" else bound_data
    return fit_and_certify(model, prior_mean, train_data, bound_data, s, test)


def pac_bayes_certificate(model: nn.Module, data, *, init: nn.Module | Mapping[str, torch.Tensor],
                          test_data=None, **settings) -> PacBayesCertificate:
    """A PAC-Bayes risk certificate for a Gaussian posterior around `model`'s architecture.

    data:      the training data (DataLoader, (x, y) or Dataset); the bound set is all of it
               (data-free prior) or the part the prior did not see (data-dependent prior).
    init:      the weights at initialization (module or state dict of the same network).
    test_data: optional held-out data: the certificate then also records the stochastic and
               deterministic (posterior mean) test errors.
    settings:  any field of `NetworkCertificateSettings` (prior, prior_fraction, prior_sigmas,
               objective, delta, delta_mc, weight_samples, p_min, posterior_steps, prior_steps,
               ...).
    """
    return certify_network(model, data, init=init, test_data=test_data, **settings).certificate
