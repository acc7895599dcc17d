"""The PAC-Bayes risk certificate of a trained Gaussian posterior, and how it is computed.

With probability ≥ 1 − δ − δ′ over the bound set S (n examples, independent of the prior) and
the m weight samples,

    R(Q) ≤ kl⁻¹( kl⁻¹(r̂_m, ln(2/δ′)/m),  (KL(Q‖P) + ln(2√n/(δ/k))) / n ),

where r̂_m is the Monte-Carlo estimate of Q's empirical risk on S (see monte_carlo.py) and k is
the number of priors tried (a grid of prior scales): each is certified at δ/k, so choosing the
best after the fact is paid for by a union bound. When the choice is made on the certificates'
own weight samples (no pilot certificates), the Monte-Carlo step is union-bounded too: δ′/k
each (`mc_choices`). Certified for the 0-1 error and for the bounded cross-entropy (in [0, 1]
by construction).

The floor: with KL = 0 the same r̂_m would give kl⁻¹(kl⁻¹(r̂_m, ln(2/δ′)/m), ln(2√n/(δ/k))/n)
(`bound_at_zero_kl`); bound − bound_at_zero_kl is the KL's share, the rest is owed to the data
budget (n, m, δ, δ′, k) and the error itself. With a test set, the same floor at the stochastic
test error (`floor_at_stochastic_test_error`) divided by that error is the smallest ratio
bound / test error this budget can reach (`ratio_floor`) if the bound set's error were the test
error; `ratio_floor_exact_mc` is that ratio with m → ∞ (no Monte-Carlo step).

References: Langford & Caruana 2001 (the sampling step), Seeger 2002 and Maurer 2004 (the kl
bound), Dziugaite & Roy 2017 and Pérez-Ortiz et al. 2021 (the overall recipe and δ = 0.025,
δ′ = 0.01).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

from riskscope.analyses.bounds.gaussian_posterior import GaussianPosterior
from riskscope.analyses.bounds.monte_carlo import (
    check_p_min,
    error_estimate,
    example_errors,
    monte_carlo_risks,
)
from riskscope.analyses.bounds.pac_bayes_bounds import (
    check_bound_set_size,
    check_delta,
    kl_bound,
    kl_bound_floor,
    monte_carlo_risk_bound,
)
from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed
from riskscope.tasks.base import Dataset


@dataclass(frozen=True)
class LossCertificate:
    """loss: "zero_one" or "bounded_cross_entropy"; empirical_risk_mc = r̂_m;
    empirical_risk_bound = kl⁻¹(r̂_m, ln(2/δ′)/m); risk_bound = the certified bound on R(Q);
    bound_at_zero_kl = the bound the same r̂_m would give with KL = 0 (the data budget's floor)."""

    loss: str
    empirical_risk_mc: float
    empirical_risk_bound: float
    risk_bound: float
    bound_at_zero_kl: float


@dataclass(frozen=True)
class PacBayesCertificate:
    """Everything needed to check a certificate by hand (JSON-able with `to_dict`/`to_json`).

    confidence = 1 − delta − delta_mc; each of the prior_grid_size priors is certified at
    delta / prior_grid_size, and the Monte-Carlo step at delta_mc / mc_choices (mc_choices > 1
    when this certificate was picked among others by their own weight samples). Test errors
    (with 95% Student-t intervals over the test examples), the ratio bound / stochastic test
    error (with the test error's interval carried over) and its floor are NaN when no test set
    was given.
    """

    delta: float
    delta_mc: float
    confidence: float
    prior_grid_size: int
    delta_per_prior: float
    mc_choices: int
    delta_mc_per_choice: float
    bound_set_size: int
    num_weight_samples: int
    num_parameters: int
    kl: float
    prior: str
    prior_sigma: float
    p_min: float
    zero_one: LossCertificate
    bounded_cross_entropy: LossCertificate
    stochastic_test_error: float = math.nan
    stochastic_test_error_ci_low: float = math.nan
    stochastic_test_error_ci_high: float = math.nan
    deterministic_test_error: float = math.nan
    deterministic_test_error_ci_low: float = math.nan
    deterministic_test_error_ci_high: float = math.nan
    test_size: int = 0
    test_weight_samples: int = 0
    bound_over_stochastic_test_error: float = math.nan
    bound_over_stochastic_test_error_ci_low: float = math.nan
    bound_over_stochastic_test_error_ci_high: float = math.nan
    floor_at_stochastic_test_error: float = math.nan
    ratio_floor: float = math.nan
    ratio_floor_exact_mc: float = math.nan

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), allow_nan=True)

    def flat(self) -> dict[str, float | int | str]:
        """One level of scalars, e.g. for a trial's results."""
        out: dict[str, float | int | str] = {}
        for key, value in self.to_dict().items():
            if isinstance(value, dict):
                suffix = "" if key == "zero_one" else "_cross_entropy"
                out[f"bound{suffix}"] = value["risk_bound"]
                out[f"empirical_risk_mc{suffix}"] = value["empirical_risk_mc"]
                out[f"empirical_risk_bound{suffix}"] = value["empirical_risk_bound"]
                out[f"bound_at_zero_kl{suffix}"] = value["bound_at_zero_kl"]
            else:
                out[key] = value
        return out


def check_certificate_settings(delta: float, delta_mc: float, prior_grid_size: int,
                               num_weight_samples: int, p_min: float) -> None:
    """All argument checks, before anything is computed."""
    check_delta(delta, "delta")
    check_delta(delta_mc, "delta_mc")
    if delta + delta_mc >= 1:
        raise SpecError("delta + delta_mc", delta + delta_mc, "a total below 1 (the confidence "
                        "1 − δ − δ′ must be positive)")
    check_bound_set_size(prior_grid_size, "prior_grid_size")
    check_bound_set_size(num_weight_samples, "num_weight_samples")
    check_p_min(p_min)


def certify_posterior(posterior: GaussianPosterior, bound_data: Dataset, *, delta: float = 0.025,
                      delta_mc: float = 0.01, num_weight_samples: int = 10_000, seed: int = 0,
                      prior_grid_size: int = 1, p_min: float = 1e-4, prior: str = "given",
                      test_data: Dataset | None = None, test_weight_samples: int = 100,
                      sample_batch: int = 64, example_batch: int = 0, mc_choices: int = 1
                      ) -> PacBayesCertificate:
    """Certify Q's risk on `bound_data` (which the prior must not have seen).

    mc_choices: how many certificates this one will be chosen among by looking at their own
    Monte-Carlo estimates (1 when the choice was made beforehand, e.g. on pilot samples):
    the sampling step then runs at δ′/mc_choices so that the chosen one still holds."""
    check_certificate_settings(delta, delta_mc, prior_grid_size, num_weight_samples, p_min)
    check_bound_set_size(mc_choices, "mc_choices")
    n = check_bound_set_size(len(bound_data), "bound_data (number of examples)")
    kl = float(posterior.kl_divergence().detach())  # fresh: never a value from training
    risks = monte_carlo_risks(posterior, bound_data, num_weight_samples, seed, p_min,
                              sample_batch, example_batch)
    delta_each, delta_mc_each = delta / prior_grid_size, delta_mc / mc_choices
    losses = {}
    for loss, values in (("zero_one", risks.zero_one),
                         ("bounded_cross_entropy", risks.bounded_cross_entropy)):
        r_mc = float(values.mean())
        r_up = monte_carlo_risk_bound(min(max(r_mc, 0.0), 1.0), num_weight_samples,
                                      delta_mc_each)
        losses[loss] = LossCertificate(loss, r_mc, r_up, kl_bound(r_up, kl, n, delta_each),
                                       kl_bound(r_up, 0.0, n, delta_each))
    test = {}
    if test_data is not None:
        test_risks = monte_carlo_risks(posterior, test_data, test_weight_samples,
                                       derive_seed(seed, "test"), p_min, sample_batch,
                                       example_batch)
        stochastic = error_estimate(test_risks.example_zero_one, "held-out, stochastic")
        deterministic = error_estimate(example_errors(posterior.mean_network(), test_data),
                                       "held-out, mean network")
        test = {"test_size": len(test_data), "test_weight_samples": test_weight_samples}
        for name, est in (("stochastic", stochastic), ("deterministic", deterministic)):
            test.update({f"{name}_test_error": est.value,
                         f"{name}_test_error_ci_low": est.ci_low,
                         f"{name}_test_error_ci_high": est.ci_high})
        error = min(max(stochastic.value, 0.0), 1.0)
        floor = kl_bound_floor(error, n, delta_each, num_weight_samples, delta_mc_each)
        bound = losses["zero_one"].risk_bound
        test.update(
            bound_over_stochastic_test_error=_ratio(bound, error),
            # the test error's 95% interval carried over to the ratio (the bound is fixed)
            bound_over_stochastic_test_error_ci_low=_ratio(bound, stochastic.ci_high),
            bound_over_stochastic_test_error_ci_high=_ratio(bound, max(stochastic.ci_low, 0.0)),
            floor_at_stochastic_test_error=floor, ratio_floor=_ratio(floor, error),
            ratio_floor_exact_mc=_ratio(kl_bound_floor(error, n, delta_each), error))
    return PacBayesCertificate(
        delta=delta, delta_mc=delta_mc, confidence=1 - delta - delta_mc,
        prior_grid_size=prior_grid_size, delta_per_prior=delta_each, mc_choices=mc_choices,
        delta_mc_per_choice=delta_mc_each, bound_set_size=n,
        num_weight_samples=num_weight_samples, num_parameters=posterior.num_parameters, kl=kl,
        prior=prior, prior_sigma=posterior.prior_sigma, p_min=p_min,
        zero_one=losses["zero_one"], bounded_cross_entropy=losses["bounded_cross_entropy"],
        **test)


def _ratio(bound: float, error: float) -> float:
    return bound / error if error > 0 else math.inf
