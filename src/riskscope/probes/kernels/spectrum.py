"""The spectrum of a kernel Gram matrix: λ_min, λ_max, condition number.

For a positive semi-definite Gram matrix K (an empirical or analytic NTK on n inputs), λ_min(K)
governs the slowest mode of kernel gradient descent (Du et al. 2019: GD on the squared loss
converges linearly at a rate set by λ_min of the NTK Gram matrix) and λ_max the largest stable
step. Computed in float64 by `torch.linalg.eigvalsh`, on the matrix's device.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from riskscope.core.errors import SpecError


@dataclass(frozen=True)
class KernelSpectrum:
    """eigenvalues ascending (float64); lambda_min, lambda_max; condition = λ_max/λ_min."""

    eigenvalues: torch.Tensor
    lambda_min: float
    lambda_max: float

    @property
    def condition_number(self) -> float:
        return self.lambda_max / self.lambda_min if self.lambda_min > 0 else float("inf")


def kernel_spectrum(gram: torch.Tensor) -> KernelSpectrum:
    """Eigenvalues of a symmetric Gram matrix (symmetrized (K + Kᵀ)/2 against rounding)."""
    if gram.dim() != 2 or gram.shape[0] != gram.shape[1]:
        raise SpecError("gram", tuple(gram.shape), "a square matrix")
    k = gram.double()
    eig = torch.linalg.eigvalsh((k + k.T) / 2)
    return KernelSpectrum(eig, float(eig[0]), float(eig[-1]))
