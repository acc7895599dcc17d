"""Curvature and convergence analyses: sharpness vs 2/η, lazy vs rich training, GD rates."""

from riskscope.analyses.curvature.convergence_rate import (
    ObservedRate,
    du_residual_bound_rate,
    observed_residual_rate,
    pl_ratios,
    predicted_residual_rate,
    rate_ratio,
)
from riskscope.analyses.curvature.edge_of_stability import (
    EdgeOfStabilitySummary,
    summarize_member,
)
from riskscope.analyses.curvature.lazy_training import (
    kernel_change,
    lazy_vs_rich_slopes,
    relative_weight_change,
)
from riskscope.analyses.curvature.records import GradientDescentRecord, SharpnessTrajectory
from riskscope.analyses.curvature.sharpness import member_sharpness

__all__ = [
    "EdgeOfStabilitySummary",
    "GradientDescentRecord",
    "ObservedRate",
    "SharpnessTrajectory",
    "du_residual_bound_rate",
    "kernel_change",
    "lazy_vs_rich_slopes",
    "member_sharpness",
    "observed_residual_rate",
    "pl_ratios",
    "predicted_residual_rate",
    "rate_ratio",
    "relative_weight_change",
    "summarize_member",
]
