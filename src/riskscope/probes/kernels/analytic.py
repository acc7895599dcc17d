"""Infinite-width NNGP and NTK kernels of MLPs in NTK parameterization (closed forms).

Network (Jacot et al. 2018; Lee et al. 2019): z¹ = (σ_w/√d) W⁰ x + σ_b b⁰ and
z^{l+1} = (σ_w/√n) W^l φ(z^l) + σ_b b^l with all W, b ~ N(0, 1), L hidden layers of width
n → ∞, output z^{L+1}. Kernels, for (u, u') ~ N(0, [[K(x,x), K(x,x')], [K(x,x'), K(x',x')]]):

    K¹ = σ_w² xᵀx'/d + σ_b²,                Θ¹ = K¹
    K^{l+1} = σ_w² E[φ(u)φ(u')] + σ_b²,      Θ^{l+1} = K^{l+1} + σ_w² E[φ'(u)φ'(u')] Θ^l

with closed forms (θ = arccos(K12/√(K11 K22))):
- ReLU, the arc-cosine kernels (Cho & Saul 2009): E[φφ'] = (1/2π)(√(K11K22 − K12²) + (π − θ)K12),
  E[φ'φ'] = (π − θ)/(2π);
- erf (Williams 1997): E[φφ'] = (2/π) arcsin(2K12/√((1+2K11)(1+2K22))),
  E[φ'φ'] = (4/π) / √((1+2K11)(1+2K22) − 4K12²);
- linear: E[φφ'] = K12, E[φ'φ'] = 1.

Returned kernels are per output (the NTK of O outputs is Θ ⊗ I_O) and in float64.
`mlp_kernels(spec, ...)` gives the kernels of a riskscope MLP in NTK parameterization, whose
multipliers differ from the convention above (see its docstring).
Du et al. (2019)'s H^∞ of a two-layer ReLU net (first layer trained, unit-norm inputs) is
`two_layer_relu_gram`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from riskscope.core.errors import SpecError
from riskscope.models.activations import activation_gain

ACTIVATIONS = ("relu", "erf", "linear")


@dataclass(frozen=True)
class LayerVariances:
    """One dense layer: weight_var = (init std · multiplier)² · fan_in (forward variance),
    bias_var = bias init variance, weight_grad = multiplier² · fan_in and bias_grad =
    bias multiplier² (how much the layer's parameters contribute to the tangent kernel).
    Jacot's convention: weight_var = weight_grad = σ_w², bias_var = bias_grad = σ_b²."""

    weight_var: float
    bias_var: float
    weight_grad: float
    bias_grad: float


@dataclass(frozen=True)
class InfiniteWidthKernels:
    nngp: torch.Tensor
    ntk: torch.Tensor


def _expectations(activation: str, q1, q2, k12):
    """(E[φ(u)φ(u')], E[φ'(u)φ'(u')]) for variances q1 [N1, 1], q2 [1, N2], covariance k12."""
    if activation == "relu":
        norms = torch.sqrt(q1 * q2)
        cos = torch.clamp(k12 / torch.clamp(norms, min=1e-300), -1.0, 1.0)
        theta = torch.arccos(cos)
        phi = (norms * torch.sin(theta) + (math.pi - theta) * k12) / (2 * math.pi)
        return phi, (math.pi - theta) / (2 * math.pi)
    if activation == "erf":
        a, b = 1 + 2 * q1, 1 + 2 * q2
        phi = (2 / math.pi) * torch.arcsin(torch.clamp(2 * k12 / torch.sqrt(a * b), -1, 1))
        return phi, (4 / math.pi) / torch.sqrt(a * b - 4 * k12 * k12)
    return k12, torch.ones_like(k12)


def _diag_expectation(activation: str, q):
    if activation == "relu":
        return q / 2
    if activation == "erf":
        return (2 / math.pi) * torch.arcsin(2 * q / (1 + 2 * q))
    return q


def layered_kernels(x1: torch.Tensor, x2: torch.Tensor | None, activation: str,
                    layers: list[LayerVariances]) -> InfiniteWidthKernels:
    """NNGP and NTK after `layers` (dense layers, activation between consecutive ones)."""
    if activation not in ACTIVATIONS:
        raise SpecError("activation", activation, "one of " + ", ".join(ACTIVATIONS))
    x1 = torch.as_tensor(x1).double().cpu()
    x2 = x1 if x2 is None else torch.as_tensor(x2).double().cpu()
    if x1.dim() != 2 or x2.dim() != 2 or x1.shape[1] != x2.shape[1]:
        raise SpecError("x1, x2", (tuple(x1.shape), tuple(x2.shape)),
                        "inputs [N1, d] and [N2, d] with one d")
    d = x1.shape[1]
    first = layers[0]
    q1 = (x1 * x1).sum(1, keepdim=True) / d
    q2 = ((x2 * x2).sum(1, keepdim=True) / d).T
    k12 = x1 @ x2.T / d
    q1 = first.weight_var * q1 + first.bias_var
    q2 = first.weight_var * q2 + first.bias_var
    ntk = first.weight_grad * (x1 @ x2.T / d) + first.bias_grad
    k12 = first.weight_var * k12 + first.bias_var
    for layer in layers[1:]:
        phi, dphi = _expectations(activation, q1, q2, k12)
        ntk = layer.weight_grad * phi + layer.bias_grad + layer.weight_var * dphi * ntk
        k12 = layer.weight_var * phi + layer.bias_var
        q1 = layer.weight_var * _diag_expectation(activation, q1) + layer.bias_var
        q2 = layer.weight_var * _diag_expectation(activation, q2) + layer.bias_var
    return InfiniteWidthKernels(k12, ntk)


def _jacot_layers(depth: int, sigma_w: float, sigma_b: float) -> list[LayerVariances]:
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise SpecError("depth", depth, "a non-negative number of hidden layers")
    if not sigma_w > 0 or not sigma_b >= 0:
        raise SpecError("sigma_w, sigma_b", (sigma_w, sigma_b), "sigma_w > 0 and sigma_b >= 0")
    layer = LayerVariances(sigma_w**2, sigma_b**2, sigma_w**2, sigma_b**2)
    return [layer] * (depth + 1)


def analytic_nngp(x1: torch.Tensor, x2: torch.Tensor | None = None, *, depth: int = 1,
                  activation: str = "relu", sigma_w: float = 1.0, sigma_b: float = 0.0
                  ) -> torch.Tensor:
    """The NNGP kernel K^{L+1}(x1, x2) [N1, N2] of an MLP with `depth` hidden layers."""
    return layered_kernels(x1, x2, activation, _jacot_layers(depth, sigma_w, sigma_b)).nngp


def analytic_ntk(x1: torch.Tensor, x2: torch.Tensor | None = None, *, depth: int = 1,
                 activation: str = "relu", sigma_w: float = 1.0, sigma_b: float = 0.0
                 ) -> torch.Tensor:
    """The infinite-width NTK Θ^{L+1}(x1, x2) [N1, N2] of an MLP with `depth` hidden layers."""
    return layered_kernels(x1, x2, activation, _jacot_layers(depth, sigma_w, sigma_b)).ntk


def mlp_kernels(spec, x1: torch.Tensor, x2: torch.Tensor | None = None
                ) -> InfiniteWidthKernels:
    """Kernels of a riskscope `MLPSpec` with parameterization "ntk" as width → ∞.

    riskscope's layer is z = (g/√fan_in) W_raw h + b_raw with W_raw ~ N(0, c²),
    b_raw ~ N(0, (c·bias_init_std)²), g the activation gain (1 for the output layer),
    c = init_scale: so weight_var = (c g)², weight_grad = g², bias_var = (c·bias_init_std)²,
    bias_grad = 1 (0 without biases). With c = 1 and bias_init_std = 1 this is Jacot's
    convention with σ_w = g, σ_b = 1.
    """
    if spec.parameterization != "ntk":
        raise SpecError("spec.parameterization", spec.parameterization, "ntk",
                        "the NTK of standard or mean-field MLPs has no finite width limit")
    layers = []
    for k in range(spec.depth + 1):
        g = 1.0 if k == spec.depth else activation_gain(spec.activation)
        c = spec.init_scale
        bias_var = (c * spec.bias_init_std) ** 2 if spec.bias else 0.0
        layers.append(LayerVariances((c * g) ** 2, bias_var, g**2, 1.0 if spec.bias else 0.0))
    return layered_kernels(x1, x2, spec.activation, layers)


def two_layer_relu_gram(x: torch.Tensor) -> torch.Tensor:
    """Du et al. (2019)'s H^∞_ij = x_iᵀx_j (π − arccos(x_iᵀx_j)) / (2π) for unit-norm x_i:
    the infinite-width NTK of f(x) = (1/√m) Σ_r a_r relu(w_rᵀx), w_r ~ N(0, I), a_r = ±1
    fixed, trained in the first layer only."""
    x = torch.as_tensor(x).double().cpu()
    norms = torch.linalg.vector_norm(x, dim=1)
    if not torch.allclose(norms, torch.ones_like(norms), atol=1e-6):
        raise SpecError("x", f"row norms in [{float(norms.min()):.3g}, "
                        f"{float(norms.max()):.3g}]", "unit-norm rows (Du et al. 2019)")
    gram = torch.clamp(x @ x.T, -1.0, 1.0)
    return gram * (math.pi - torch.arccos(gram)) / (2 * math.pi)
