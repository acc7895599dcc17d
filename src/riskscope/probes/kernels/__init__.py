"""Kernels of networks: the empirical NTK (Jacobian contraction and products) and the
infinite-width NNGP/NTK of MLPs in closed form."""

from riskscope.probes.kernels.analytic import (
    InfiniteWidthKernels,
    analytic_nngp,
    analytic_ntk,
    mlp_kernels,
    two_layer_relu_gram,
)
from riskscope.probes.kernels.empirical_ntk import empirical_ntk
from riskscope.probes.kernels.ntk_operator import NTKOperator
from riskscope.probes.kernels.spectrum import KernelSpectrum, kernel_spectrum

__all__ = [
    "InfiniteWidthKernels",
    "KernelSpectrum",
    "NTKOperator",
    "analytic_nngp",
    "analytic_ntk",
    "empirical_ntk",
    "kernel_spectrum",
    "mlp_kernels",
    "two_layer_relu_gram",
]
