"""Spectral norms of layers: exact for dense matrices, the true operator norm for convolutions.

The spectral norm of a convolution is the largest singular value of the linear map it applies
to its input, not that of the reshaped kernel [out, in·k] (a common shortcut that can be off
by a large factor either way). Two methods:

- `conv_spectral_norm_fft` (Sedghi, Gupta & Long 2019, "The singular values of convolutional
  layers"): for a stride-1 convolution with *circular* padding on an n (or n×n) input, the
  singular values are those of the c_out×c_in matrices K̂(ω) of the kernel's n-point discrete
  Fourier transform, over all frequencies ω. Exact, O(n^d c_out c_in min(c_out, c_in)).
- `operator_spectral_norm`: power iteration on AᵀA for any linear map A given as a function
  (the conv with its actual padding, stride, dilation and groups), Aᵀ by autograd (a vjp), in
  float64, run until the Rayleigh quotient changes by less than `tol` relatively (1e-12 by
  default: stopping at 1e-3, as some public code does, leaves errors of ~0.5%).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from riskscope.core.errors import SpecError
from riskscope.models.member_layers import MemberConv
from riskscope.probes.complexity.layers import WeightLayer


def conv_spectral_norm_fft(weight: torch.Tensor, input_size: tuple[int, ...]) -> float:
    """Spectral norm of a stride-1 circular convolution with kernel `weight`
    [c_out, c_in, *kernel] (1, 2 or 3 spatial dims) on inputs of spatial size `input_size`."""
    spatial = weight.dim() - 2
    if len(input_size) != spatial:
        raise SpecError("input_size", input_size, f"{spatial} spatial sizes for this kernel")
    if any(k > n for k, n in zip(weight.shape[2:], input_size)):
        raise SpecError("input_size", input_size,
                        f"sizes >= the kernel's {tuple(weight.shape[2:])}")
    dims = tuple(range(2, 2 + spatial))
    transfer = torch.fft.fftn(weight.double(), s=input_size, dim=dims)  # [out, in, *n]
    matrices = transfer.permute(*range(2, 2 + spatial), 0, 1)  # [*n, out, in]
    return float(torch.linalg.matrix_norm(matrices, ord=2).max())


def operator_spectral_norm(apply: Callable[[torch.Tensor], torch.Tensor],
                           input_shape: tuple[int, ...], generator: torch.Generator,
                           tol: float = 1e-12, max_iter: int = 5000,
                           dtype: torch.dtype = torch.float64,
                           device: torch.device | str = "cpu") -> float:
    """Largest singular value of the linear map `apply` on inputs of `input_shape` (one example,
    without batch dimension), by power iteration on AᵀA with Aᵀ from a vjp."""
    v = torch.randn((1, *input_shape), generator=generator, dtype=dtype).to(device)
    v /= v.norm()
    rayleigh = 0.0
    for _ in range(max_iter):
        out, vjp = torch.func.vjp(apply, v)
        new = float(out.pow(2).sum())  # ‖A v‖², v of unit norm: increases to σ₁²
        (w,) = vjp(out)
        norm = w.norm()
        if norm == 0:
            return 0.0
        v = w / norm
        if abs(new - rayleigh) <= tol * max(new, 1e-300):
            rayleigh = new
            break
        rayleigh = new
    return math.sqrt(rayleigh)


def conv_operator(layer: WeightLayer) -> Callable[[torch.Tensor], torch.Tensor]:
    """The conv layer as a bias-free linear map in float64, with its own padding mode."""
    module = layer.module
    weight = layer.weight.double()
    if isinstance(module, MemberConv):  # riskscope's plain conv: zero padding
        conv = torch.nn.functional.conv1d if module.dims == 1 else torch.nn.functional.conv2d
        return lambda v: conv(v, weight, None, module.stride, module.padding)
    return lambda v: module._conv_forward(v, weight, None)


def layer_spectral_norm(layer: WeightLayer, input_shape: tuple[int, ...] | None = None,
                        seed: int = 0) -> float:
    """‖W‖₂ of a dense layer (exact, by SVD), or the operator norm of a conv layer on inputs of
    `input_shape` (one example: [c_in, *spatial]) by `operator_spectral_norm`."""
    if layer.kind == "linear":
        return float(torch.linalg.matrix_norm(layer.weight.double(), ord=2))
    if input_shape is None:
        raise SpecError("input_shape", None, f"the input shape of conv layer {layer.name!r}")
    generator = torch.Generator().manual_seed(seed)
    return operator_spectral_norm(conv_operator(layer), input_shape, generator,
                                  device=layer.weight.device)
