"""The PAC-Bayes risk certificate of a trained Gaussian posterior, and how it is computed.

With probability ≥ 1 − δ − δ′ over the bound set S (n examples, independent of the prior) and
the m weight samples,

    R(Q) ≤ kl⁻¹( kl⁻¹(r̂_m, ln(2/δ′)/m),  (KL(Q‖P) + ln(2√n/(δ/k))) / n ),

where r̂_m is the Monte-Carlo estimate of Q's empirical risk on S (see monte_carlo.py) and k is
the number of priors tried (a grid of prior scales): each is certified at δ/k, so choosing the
best after the fact is paid for by a union bound. Certified for the 0-1 error and for the
bounded cross-entropy (in [0, 1] by construction). References: Langford & Caruana 2001 (the
sampling step), Seeger 2002 and Maurer 2004 (the kl bound), Dziugaite & Roy 2017 and
Pérez-Ortiz et al. 2021 (the overall recipe and δ = 0.025, δ′ = 0.01).
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
    monte_carlo_risk_bound,
)
from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed
from riskscope.tasks.base import Dataset


@dataclass(frozen=True)
class LossCertificate:
    """loss: "zero_one" or "bounded_cross_entropy"; empirical_risk_mc = r̂_m;
    empirical_risk_bound = kl⁻¹(r̂_m, ln(2/δ′)/m); risk_bound = the certified bound on R(Q)."""

    loss: str
    empirical_risk_mc: float
    empirical_risk_bound: float
    risk_bound: float


@dataclass(frozen=True)
class PacBayesCertificate:
    """Everything needed to check a certificate by hand (JSON-able with `to_dict`/`to_json`).

    confidence = 1 − delta − delta_mc; each of the prior_grid_size priors is certified at
    delta / prior_grid_size. Test errors (with 95% Student-t intervals over the test examples)
    are NaN when no test set was given.
    """

    delta: float
    delta_mc: float
    confidence: float
    prior_grid_size: int
    delta_per_prior: float
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
                      sample_batch: int = 64, example_batch: int = 0) -> PacBayesCertificate:
    """Certify Q's risk on `bound_data` (which the prior must not have seen)."""
    check_certificate_settings(delta, delta_mc, prior_grid_size, num_weight_samples, p_min)
    n = check_bound_set_size(len(bound_data), "bound_data (number of examples)")
    kl = float(posterior.kl_divergence().detach())  # fresh: never a value from training
    risks = monte_carlo_risks(posterior, bound_data, num_weight_samples, seed, p_min,
                              sample_batch, example_batch)
    delta_each = delta / prior_grid_size
    losses = {}
    for loss, values in (("zero_one", risks.zero_one),
                         ("bounded_cross_entropy", risks.bounded_cross_entropy)):
        r_mc = float(values.mean())
        r_up = monte_carlo_risk_bound(min(max(r_mc, 0.0), 1.0), num_weight_samples, delta_mc)
        losses[loss] = LossCertificate(loss, r_mc, r_up, kl_bound(r_up, kl, n, delta_each))
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
    return PacBayesCertificate(
        delta=delta, delta_mc=delta_mc, confidence=1 - delta - delta_mc,
        prior_grid_size=prior_grid_size, delta_per_prior=delta_each, bound_set_size=n,
        num_weight_samples=num_weight_samples, num_parameters=posterior.num_parameters, kl=kl,
        prior=prior, prior_sigma=posterior.prior_sigma, p_min=p_min,
        zero_one=losses["zero_one"], bounded_cross_entropy=losses["bounded_cross_entropy"],
        **test)
