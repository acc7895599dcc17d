"""Kernel analyses: NTK kernel regression vs the trained network."""

from riskscope.analyses.kernels.kernel_regression import (
    kernel_regression,
    linearized_network_predictions,
    squared_error_risk,
)

__all__ = ["kernel_regression", "linearized_network_predictions", "squared_error_risk"]
