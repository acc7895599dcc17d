"""Spectral density by stochastic Lanczos quadrature (SLQ).

For a symmetric n × n A with eigenpairs (λ_i, u_i), the spectral density is
φ(t) = (1/n) Σ_i δ(t − λ_i). For a probe v with ‖v‖² = n (Rademacher), m Lanczos steps from
v/‖v‖ give nodes θ_j (eigenvalues of T_m) and weights τ_j = (first component of the j-th
eigenvector of T_m)², Σ_j τ_j = 1, such that Σ_j τ_j g(θ_j) ≈ vᵀ g(A) v / n, exactly for
polynomials g of degree ≤ 2m − 1 (Gauss quadrature; Golub & Meurant 2010). Averaging over
probes estimates (1/n) tr g(A); with g = a Gaussian of width σ it estimates the density
broadened by σ (Lin, Saad & Yang 2016; Ghorbani, Krishnan & Xiao 2019; Papyan 2020):

    φ_σ(t) = (1/V) Σ_v Σ_j τ_{v,j} N(t; θ_{v,j}, σ²),

which integrates to 1 over the real line (the grid spans every node ± 8σ).
A Krylov space exhausted before m steps makes the quadrature exact with fewer nodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate
from riskscope.probes.estimators.lanczos_process import LanczosProcess, breakdown_tolerance
from riskscope.probes.estimators.random_vectors import generator_from, random_block
from riskscope.probes.operator import LinearOperator, as_linear_operator


@dataclass(frozen=True)
class SpectralDensity:
    """grid [G] and density [G] (Gaussian-broadened, integrates to 1); nodes and weights
    [V, m] of each probe's quadrature (weight 0 pads an early-exhausted probe); sigma: the
    broadening; num_products: operator products used."""

    grid: torch.Tensor
    density: torch.Tensor
    nodes: torch.Tensor
    weights: torch.Tensor
    sigma: float
    num_products: int

    def moment(self, power: int, confidence: float = 0.95) -> Estimate:
        """The quadrature estimate of (1/n) tr(A^power), from the nodes (not the grid), with a
        t-interval over the probes (each probe gives an unbiased estimate for power < 2m)."""
        per_probe = (self.weights * self.nodes.pow(power)).sum(1)
        return Estimate.from_samples(per_probe.numpy(), method="slq", confidence=confidence)

    def integral(self) -> float:
        """∫ φ_σ over the grid (trapezoid); ≈ 1."""
        return float(torch.trapezoid(self.density, self.grid))


def slq_nodes_weights(op: LinearOperator, probe: torch.Tensor, num_steps: int,
                      generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Quadrature nodes and weights (each [num_steps], zero-weight padded) of one probe."""
    process = LanczosProcess(op, probe, num_steps, generator)
    tol = breakdown_tolerance(op.dtype)
    scale = torch.zeros((), dtype=op.dtype, device=op.device)
    while process.steps < process.max_steps:
        b = process.step()
        scale = torch.maximum(scale, process.alpha[: process.steps].abs().max())
        if float(b) <= tol * max(float(scale), torch.finfo(op.dtype).tiny):
            break
    theta, s = process.ritz()
    nodes = torch.zeros(num_steps, dtype=op.dtype, device=op.device)
    weights = torch.zeros_like(nodes)
    nodes[: theta.numel()] = theta
    weights[: theta.numel()] = s[0].pow(2)
    return nodes, weights


def slq_spectral_density(
    operator: LinearOperator | torch.Tensor,
    num_probes: int = 8,
    num_steps: int = 64,
    *,
    rng: int | torch.Generator = 0,
    sigma: float | None = None,
    num_points: int = 1024,
) -> SpectralDensity:
    """The σ-broadened spectral density of a symmetric operator or dense matrix.

    num_probes: Rademacher probes V; num_steps: Lanczos steps m per probe (≤ n);
    sigma: Gaussian broadening (default 1% of the span of the nodes, or of max|θ| if the
    span is 0); num_points: grid points.
    """
    op = as_linear_operator(operator)
    n = op.shape[0]
    for field, value in (("num_probes", num_probes), ("num_steps", num_steps),
                         ("num_points", num_points)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SpecError(field, value, "a positive integer")
    num_steps = min(num_steps, n)
    gen = generator_from(rng)
    before = op.num_products
    nodes, weights = [], []
    for _ in range(num_probes):
        probe = random_block(n, 1, gen, op.dtype, op.device, "rademacher")[:, 0]
        node, weight = slq_nodes_weights(op, probe, num_steps, gen)
        nodes.append(node)
        weights.append(weight)
    nodes_t, weights_t = torch.stack(nodes), torch.stack(weights)
    used = nodes_t[weights_t > 0]
    lo, hi = float(used.min()), float(used.max())
    if sigma is None:
        sigma = 0.01 * ((hi - lo) or max(abs(hi), 1.0))
    if not sigma > 0:
        raise SpecError("sigma", sigma, "a positive broadening width")
    grid = torch.linspace(lo - 8 * sigma, hi + 8 * sigma, num_points, dtype=torch.float64)
    flat_nodes = nodes_t.reshape(-1).double().cpu()
    flat_weights = weights_t.reshape(-1).double().cpu()
    z = (grid[:, None] - flat_nodes[None, :]) / sigma
    density = (torch.exp(-0.5 * z * z) * flat_weights).sum(1)
    density /= num_probes * sigma * math.sqrt(2 * math.pi)
    return SpectralDensity(grid, density, nodes_t.double().cpu(), weights_t.double().cpu(),
                           float(sigma), op.num_products - before)
