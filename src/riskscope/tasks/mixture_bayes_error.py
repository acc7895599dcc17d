"""Bayes error of a Gaussian mixture with shared isotropic covariance σ² I.

Reduction. With p(x | c) = N(μ_c, σ² I), the log-posterior differences depend on x only through
its projection on the affine span of the means, and the noise orthogonal to that span is
independent of the class. So the problem reduces exactly to r ≤ C − 1 dimensions: standardized
means m_c = Qᵀ(μ_c − μ̄)/σ, Q an orthonormal basis of span{μ_c − μ̄} (`reduce_to_span`).

Two classes (closed form). With Δ = ‖μ_1 − μ_0‖/σ and L = log(π_0/π_1), the Bayes rule picks
class 1 when t > L/Δ, t the standardized coordinate along μ_1 − μ_0, so
    error = π_0 Φ(−Δ/2 − L/Δ) + π_1 Φ(−Δ/2 + L/Δ)      (Δ = 0: min(π_0, π_1)).
(Fukunaga 1990, "Introduction to Statistical Pattern Recognition", §3.3; Duda, Hart & Stork.)

More classes (numerical). error = 1 − E_x[max_c P(c | x)] = Σ_c π_c E_{ε~N(0, I_r)}[1 −
max_k P(k | m_c + ε)], a smooth (Lipschitz) integrand in r dimensions, integrated by randomized
quasi-Monte Carlo: R independently scrambled Sobol point sets (Owen 1997) of 2^m points each; the
value is the mean over the R replicates and the standard error their spread / √R (an honest,
unbiased error estimate), with a Student-t interval on R − 1 degrees of freedom.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from riskscope.core.estimate import Estimate, t_quantile

RQMC_REPLICATES = 16
RQMC_LOG2_POINTS = 14


def reduce_to_span(means: np.ndarray, sigma: float) -> np.ndarray:
    """Standardized means [C, r] in an orthonormal frame of their affine span (r ≤ C − 1)."""
    centred = (np.asarray(means, dtype=np.float64) - np.mean(means, axis=0)) / sigma
    if centred.shape[0] < 2:
        return centred[:, :0]
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    rank = int(np.sum(singular > 1e-10 * max(1.0, singular.max(initial=0.0))))
    return centred @ vt[:rank].T


def two_class_bayes_error(distance: float, prior_0: float, prior_1: float) -> float:
    """Closed form above; `distance` = ‖μ_1 − μ_0‖/σ."""
    if distance < 1e-12:
        return min(prior_0, prior_1)
    shift = math.log(prior_0 / prior_1) / distance
    return float(prior_0 * special.ndtr(-distance / 2 - shift)
                 + prior_1 * special.ndtr(-distance / 2 + shift))


def _error_given_points(reduced: np.ndarray, log_priors: np.ndarray, priors: np.ndarray,
                        eps: np.ndarray) -> float:
    """Σ_c π_c mean_i [1 − max_k P(k | m_c + ε_i)] for one point set ε [N, r]."""
    # log π_k − ‖z − m_k‖²/2 up to the k-independent −‖z‖²/2, with z = m_c + ε
    offsets = log_priors - (reduced**2).sum(1) / 2                     # [C]
    eps_scores = eps @ reduced.T                                        # [N, C]
    total = 0.0
    for c in range(len(priors)):
        logits = eps_scores + (reduced[c] @ reduced.T + offsets)[None, :]
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        # 1 − max posterior = (Σ_k w_k − 1)/Σ_k w_k, with the max weight equal to 1: no cancellation
        total += priors[c] * float(np.mean((weights.sum(1) - 1.0) / weights.sum(1)))
    return total


def rqmc_bayes_error(reduced: np.ndarray, priors: np.ndarray, seed: int = 0,
                     replicates: int = RQMC_REPLICATES, log2_points: int = RQMC_LOG2_POINTS,
                     confidence: float = 0.95) -> Estimate:
    """Randomized QMC Bayes error for standardized reduced means [C, r] (any C, r ≥ 1)."""
    priors = np.asarray(priors, dtype=np.float64)
    log_priors = np.log(priors)
    dim = reduced.shape[1]
    from scipy.stats import qmc  # heavy import, only when a C > 2 error is computed

    values = []
    for replicate in range(replicates):
        sobol = qmc.Sobol(d=dim, scramble=True, seed=np.random.default_rng([seed, replicate]))
        u = np.clip(sobol.random_base2(m=log2_points), 1e-15, 1 - 1e-15)
        values.append(_error_given_points(reduced, log_priors, priors, special.ndtri(u)))
    values = np.asarray(values)
    mean = float(values.mean())
    stderr = float(values.std(ddof=1) / math.sqrt(replicates))
    half = t_quantile(confidence, replicates - 1) * stderr
    method = (f"randomized quasi-Monte Carlo of E[1 - max posterior] in the {dim}-dim span of "
              f"the means ({replicates} scrambled Sobol sets x 2^{log2_points} points)")
    return Estimate(mean, stderr, max(0.0, mean - half), mean + half, confidence, method,
                    replicates << log2_points)


def mixture_bayes_error(means: np.ndarray, sigma: float, priors: np.ndarray) -> Estimate:
    """Bayes 0-1 error of the mixture: exact for two classes or coincident means, else RQMC."""
    priors = np.asarray(priors, dtype=np.float64)
    reduced = reduce_to_span(means, sigma)
    if reduced.shape[1] == 0:
        return Estimate.exact_value(1.0 - priors.max(), method="closed-form: equal means")
    if len(priors) == 2:
        distance = float(np.linalg.norm(reduced[1] - reduced[0]))
        return Estimate.exact_value(two_class_bayes_error(distance, priors[0], priors[1]),
                                    method="closed-form: two-class Gaussian (Phi)")
    return rqmc_bayes_error(reduced, priors)
