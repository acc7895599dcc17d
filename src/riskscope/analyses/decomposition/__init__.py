"""The integrated error analysis: excess risk = approximation + optimization + generalization
gap + remainder, with bias/variance and the certified optimum of small ReLU networks."""

from riskscope.analyses.decomposition.api import DecompositionResult, decompose
from riskscope.analyses.decomposition.best_in_class import BestInClass, estimate_best_in_class
from riskscope.analyses.decomposition.components import (
    COMPONENTS,
    ExcessRiskDecomposition,
    decompose_excess_risk,
)
from riskscope.analyses.decomposition.design import DesignDecomposition, decompose_design
from riskscope.analyses.decomposition.variance import BiasVariance, bias_variance_decomposition

__all__ = [
    "COMPONENTS",
    "BestInClass",
    "BiasVariance",
    "DecompositionResult",
    "DesignDecomposition",
    "ExcessRiskDecomposition",
    "bias_variance_decomposition",
    "decompose",
    "decompose_design",
    "decompose_excess_risk",
    "estimate_best_in_class",
]
