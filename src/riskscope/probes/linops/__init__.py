"""Curvature as linear operators: the Hessian and the Gauss–Newton matrix of a model's loss."""

from riskscope.probes.linops.checks import CurvatureModeWarning
from riskscope.probes.linops.ggn import GGNOperator
from riskscope.probes.linops.hessian import HessianOperator
from riskscope.probes.operator import DenseOperator, LinearOperator, as_linear_operator

__all__ = [
    "CurvatureModeWarning",
    "DenseOperator",
    "GGNOperator",
    "HessianOperator",
    "LinearOperator",
    "as_linear_operator",
]
