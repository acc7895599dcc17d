"""PAC-Bayes bounds on the risk of a stochastic predictor Q, for a loss in [0, 1].

n is the bound-set size, KL = KL(Q ‖ P) with P chosen before seeing the bound set, r̂ the
empirical risk of Q on the bound set, δ the confidence parameter. All bounds below hold with
probability ≥ 1 − δ, with the complexity C = (KL + ln(2√n/δ)) / n (Maurer 2004's ln(2√n/δ);
a common bug writes ln(2√n)/δ):

- kl bound (Seeger 2002; Maurer 2004) — the certificate:  R(Q) ≤ kl⁻¹(r̂, C).
- classic (McAllester 1999):          R(Q) ≤ r̂ + √(C/2).
- quadratic (Rivasplata et al. 2019): R(Q) ≤ (√(r̂ + C/2) + √(C/2))².
- lambda (Thiemann et al. 2017):      R(Q) ≤ r̂/(1 − λ/2) + nC/(nλ(1 − λ/2)), λ ∈ (0, 2).
The last three relax the kl bound and are differentiable: they are the training objectives of
PAC-Bayes with backprop (Pérez-Ortiz, Rivasplata, Shawe-Taylor & Szepesvári 2021, JMLR), whose
notation (c = (KL + ln(2√n/δ))/(2n) = C/2) the docstrings of the objectives follow.

Monte-Carlo step (Langford & Caruana 2001): r̂ itself is an expectation over Q, estimated by
r̂_m, the mean risk of m weights drawn i.i.d. from Q (each evaluated on the whole bound set).
With probability ≥ 1 − δ′, r̂ ≤ kl⁻¹(r̂_m, ln(2/δ′)/m). Combined with the kl bound by a union
bound, R(Q) ≤ kl⁻¹(kl⁻¹(r̂_m, ln(2/δ′)/m), C) holds with probability ≥ 1 − δ − δ′.
"""

from __future__ import annotations

import math
from typing import Literal

import torch

from riskscope.analyses.bounds.binary_kl import kl_inverse_upper
from riskscope.core.errors import SpecError

Objective = Literal["classic", "quadratic", "lambda"]
OBJECTIVES = ("classic", "quadratic", "lambda")


def check_delta(delta: float, field: str = "delta") -> float:
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not 0 < delta < 1:
        raise SpecError(field, delta, "a confidence parameter in the open interval (0, 1)")
    return float(delta)


def check_bound_set_size(n: int, field: str = "bound_set_size") -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError(field, n, "an integer >= 1 (the bound set cannot be empty)")
    return n


def _check_kl(kl: float) -> float:
    kl = float(kl)
    if not kl >= 0 or math.isinf(kl):
        raise SpecError("kl", kl, "a finite KL divergence >= 0")
    return kl


def bound_complexity(kl: float, n: int, delta: float) -> float:
    """C = (KL + ln(2√n/δ)) / n."""
    n = check_bound_set_size(n)
    return (_check_kl(kl) + math.log(2.0 * math.sqrt(n) / check_delta(delta))) / n


def kl_bound(empirical_risk: float, kl: float, n: int, delta: float) -> float:
    """The kl (Seeger/Maurer) bound kl⁻¹(r̂, (KL + ln(2√n/δ))/n)."""
    return kl_inverse_upper(empirical_risk, bound_complexity(kl, n, delta))


def monte_carlo_risk_bound(mc_risk: float, num_samples: int, delta_mc: float) -> float:
    """Upper confidence bound kl⁻¹(r̂_m, ln(2/δ′)/m) on the empirical risk of Q."""
    m = check_bound_set_size(num_samples, "num_weight_samples")
    return kl_inverse_upper(mc_risk, math.log(2.0 / check_delta(delta_mc, "delta_mc")) / m)


def kl_bound_floor(stochastic_risk: float, n: int, delta: float,
                   num_samples: int | None = None, delta_mc: float = 0.01) -> float:
    """The certificate a posterior with KL(Q‖P) = 0 and this stochastic risk would get:
    kl⁻¹(r, ln(2√n/δ)/n), with r first lifted by the Monte-Carlo step kl⁻¹(r, ln(2/δ′)/m)
    when `num_samples` m is given (None: the exact stochastic risk, m → ∞).

    No posterior whose empirical risk on the bound set is `stochastic_risk` can be certified
    below it with this n, δ (and m, δ′): it is the share of the bound owed to the data budget,
    and the rest of a certificate is owed to the KL. With `stochastic_risk` = the stochastic
    test error it gives the smallest reachable ratio bound / test error (`ratio floor`).
    """
    risk = float(stochastic_risk)
    if num_samples is not None:
        risk = monte_carlo_risk_bound(risk, num_samples, delta_mc)
    return kl_bound(risk, 0.0, n, delta)


def _half_complexity(kl: torch.Tensor, n: int, delta: float) -> torch.Tensor:
    """c = (KL + ln(2√n/δ)) / (2n) (PBB's notation), as a tensor."""
    n = check_bound_set_size(n)
    return (kl + math.log(2.0 * math.sqrt(n) / check_delta(delta))) / (2.0 * n)


def classic_bound(risk: torch.Tensor, kl: torch.Tensor, n: int, delta: float) -> torch.Tensor:
    """McAllester: r̂ + √c = r̂ + √((KL + ln(2√n/δ))/(2n))."""
    return risk + torch.sqrt(_half_complexity(kl, n, delta))


def quadratic_bound(risk: torch.Tensor, kl: torch.Tensor, n: int, delta: float) -> torch.Tensor:
    """(√(r̂ + c) + √c)² with c = (KL + ln(2√n/δ))/(2n)."""
    c = _half_complexity(kl, n, delta)
    return (torch.sqrt(risk + c) + torch.sqrt(c)).pow(2)


def lambda_bound(risk: torch.Tensor, kl: torch.Tensor, n: int, delta: float,
                 lam: float | torch.Tensor) -> torch.Tensor:
    """r̂/(1 − λ/2) + (KL + ln(2√n/δ))/(nλ(1 − λ/2)), λ ∈ (0, 2)."""
    lam_value = float(lam)
    if not 0 < lam_value < 2:
        raise SpecError("lam", lam_value, "a number in the open interval (0, 2)")
    c2n = 2.0 * n * _half_complexity(kl, n, delta)  # KL + ln(2√n/δ)
    return risk / (1 - lam / 2) + c2n / (n * lam * (1 - lam / 2))


def optimal_lambda(risk: float, kl: float, n: int, delta: float) -> float:
    """The λ minimizing the lambda bound for fixed r̂ and KL (Thiemann et al. 2017):
    λ* = 2 / (√(2n r̂ / (KL + ln(2√n/δ)) + 1) + 1)."""
    b = n * bound_complexity(kl, n, delta)
    return 2.0 / (math.sqrt(2.0 * n * max(risk, 0.0) / b + 1.0) + 1.0)


def training_objective(name: Objective, risk: torch.Tensor, kl: torch.Tensor, n: int,
                       delta: float) -> torch.Tensor:
    """The named relaxation of the kl bound, differentiable in `risk` and `kl`; the lambda
    objective uses λ* at the current (detached) r̂ and KL."""
    if name == "classic":
        return classic_bound(risk, kl, n, delta)
    if name == "quadratic":
        return quadratic_bound(risk, kl, n, delta)
    if name == "lambda":
        lam = optimal_lambda(float(risk.detach()), float(kl.detach()), n, delta)
        return lambda_bound(risk, kl, n, delta, lam)
    raise SpecError("objective", name, "one of " + ", ".join(OBJECTIVES))
