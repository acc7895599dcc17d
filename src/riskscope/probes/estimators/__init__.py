"""Estimators on linear operators or dense matrices: Lanczos eigenvalues, traces, densities."""

from riskscope.probes.estimators.lanczos import EigenResult, lanczos_top_eigenvalues
from riskscope.probes.estimators.slq import SpectralDensity, slq_spectral_density
from riskscope.probes.estimators.trace import hutchinson_trace, hutchplusplus_trace

__all__ = [
    "EigenResult",
    "SpectralDensity",
    "hutchinson_trace",
    "hutchplusplus_trace",
    "lanczos_top_eigenvalues",
    "slq_spectral_density",
]
