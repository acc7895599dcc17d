"""Generalization bounds: certified PAC-Bayes bounds (kl inverse, Monte-Carlo step, Gaussian
posteriors with data-free or data-dependent priors) and norm/margin bounds."""

from riskscope.analyses.bounds.binary_kl import binary_kl, kl_inverse_upper
from riskscope.analyses.bounds.certificate import (
    LossCertificate,
    PacBayesCertificate,
    certify_posterior,
)
from riskscope.analyses.bounds.gaussian_posterior import GaussianPosterior
from riskscope.analyses.bounds.monte_carlo import (
    MonteCarloRisks,
    bounded_cross_entropy,
    monte_carlo_risks,
    monte_carlo_risks_loop,
)
from riskscope.analyses.bounds.norm_bounds import (
    NormBound,
    NormBoundReport,
    norm_bounds,
    norm_bounds_unavailable,
)
from riskscope.analyses.bounds.pac_bayes_bounds import (
    bound_complexity,
    classic_bound,
    kl_bound,
    kl_bound_floor,
    lambda_bound,
    monte_carlo_risk_bound,
    optimal_lambda,
    quadratic_bound,
    training_objective,
)
from riskscope.analyses.bounds.settings import CertificateSettings, NetworkCertificateSettings

__all__ = [
    "CertificateSettings",
    "GaussianPosterior",
    "LossCertificate",
    "MonteCarloRisks",
    "NetworkCertificateSettings",
    "NormBound",
    "NormBoundReport",
    "PacBayesCertificate",
    "binary_kl",
    "bound_complexity",
    "bounded_cross_entropy",
    "certify_posterior",
    "classic_bound",
    "kl_bound",
    "kl_bound_floor",
    "kl_inverse_upper",
    "lambda_bound",
    "monte_carlo_risk_bound",
    "monte_carlo_risks",
    "monte_carlo_risks_loop",
    "norm_bounds",
    "norm_bounds_unavailable",
    "optimal_lambda",
    "quadratic_bound",
    "training_objective",
]
