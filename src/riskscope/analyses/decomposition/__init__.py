"""The integrated error analysis: excess risk = approximation + optimization + generalization
gap + remainder, with bias/variance and the certified optimum of small ReLU networks."""

from riskscope.analyses.decomposition.components import (
    COMPONENTS,
    ExcessRiskDecomposition,
    decompose_excess_risk,
)
from riskscope.analyses.decomposition.variance import BiasVariance, bias_variance_decomposition

__all__ = [
    "COMPONENTS",
    "BiasVariance",
    "ExcessRiskDecomposition",
    "bias_variance_decomposition",
    "decompose_excess_risk",
]
