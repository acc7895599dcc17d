"""Extreme eigenvalues of a symmetric operator by Lanczos with full reorthogonalization.

`lanczos_top_eigenvalues(A, k)` returns the k largest eigenvalues (algebraically; or the
smallest, or the largest in magnitude), their Ritz vectors and residuals. Lanczos converges
much faster than power iteration, whose error falls like |λ₂/λ₁|^t (Golub & Van Loan §10.1;
Ghorbani, Krishnan & Xiao 2019 for network Hessians); PyHessian's power iteration is the
comparison in benchmarks/curvature_hessian.py.

Convergence is tested on the **Ritz residual**, not on the change of the estimate: for a Ritz
pair (θ, y = Q s) of T_m, ‖A y − θ y‖ = |β_m s_m| (Parlett 1998, §13.1), and a symmetric A has
an eigenvalue within that distance of θ, and within residual²/gap once θ is separated from the
rest of the spectrum by `gap`. The run stops when every wanted Ritz pair has residual
≤ tol · max|θ|; the default tol = 1e-3 bounds the relative error by 1e-3 in the worst case and
typically lands at rounding level (float32 Hessians: ~1e-6; benchmarks/curvature_hessian.py).
A relative change of 1e-3 between successive power-iteration estimates (PyHessian's default)
guarantees nothing: it stops ~0.2–0.5% away from λ₁ when λ₂ ≈ λ₁ (a pitfall in REFERENCES.md).

After a breakdown (an invariant Krylov space: the start vector touches only a few
eigenspaces, as for a matrix with few distinct eigenvalues) the run restarts with a random
vector orthogonal to the basis. Within such a later block the residual test may stop the run
only once the block's own leading Ritz value has converged, and at the block's breakdown the
run stops only if the block added no value beyond the current k-th; so k larger than the
number of distinct eigenvalues is answered with the multiplicities.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import torch

from riskscope.core.errors import SpecError
from riskscope.probes.estimators.lanczos_process import LanczosProcess, breakdown_tolerance
from riskscope.probes.estimators.random_vectors import generator_from, random_block
from riskscope.probes.operator import LinearOperator, as_linear_operator

Which = Literal["largest", "smallest", "largest_magnitude"]


@dataclass(frozen=True)
class EigenResult:
    """eigenvalues [k] ordered by `which` (largest first for "largest"); eigenvectors [n, k]
    (unit Ritz vectors) or None; residuals [k] = ‖A y − θ y‖; converged: all residuals met
    the tolerance (or the Krylov space was exhausted)."""

    eigenvalues: torch.Tensor
    eigenvectors: torch.Tensor | None
    residuals: torch.Tensor
    num_products: int
    iterations: int
    converged: bool
    which: str
    method: str = "lanczos (full reorthogonalization)"

    def values(self) -> list[float]:
        return [float(v) for v in self.eigenvalues]


def _order_key(theta: torch.Tensor, which: Which) -> torch.Tensor:
    if which == "largest":
        return theta
    if which == "smallest":
        return -theta
    return theta.abs()


def check_k(k: object, n: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise SpecError("k", k, "a positive integer")
    if k > n:
        raise SpecError("k", k, f"at most the operator's dimension {n}",
                        f"k = {k} eigenvalues were asked of a {n} × {n} operator")
    return k


def _selected(process: LanczosProcess, k: int, which: Which):
    theta, s = process.ritz()
    order = torch.argsort(_order_key(theta, which), descending=True)[:k]
    return theta, s, order


def lanczos_top_eigenvalues(
    operator: LinearOperator | torch.Tensor,
    k: int = 1,
    *,
    which: Which = "largest",
    tol: float = 1e-3,
    max_iter: int | None = None,
    rng: int | torch.Generator = 0,
    v0: torch.Tensor | None = None,
    return_eigenvectors: bool = False,
) -> EigenResult:
    """The k extreme eigenvalues of a symmetric operator or dense matrix.

    tol: stop when every wanted Ritz residual ≤ tol · max|θ| (relative to the spectrum's
    scale; a bound on each eigenvalue's error, see the module docstring).
    max_iter: products at most (default min(n, max(100, 4k + 40))).
    rng: seed or generator of the start vector (and of restarts).
    v0: a start vector (e.g. the previous top eigenvector when tracking sharpness along
    training: a warm start).
    """
    op = as_linear_operator(operator)
    n = op.shape[0]
    k = check_k(k, n)
    if which not in ("largest", "smallest", "largest_magnitude"):
        raise SpecError("which", which, "largest, smallest or largest_magnitude")
    if not tol > 0:
        raise SpecError("tol", tol, "a positive relative residual tolerance")
    max_iter = min(n, max_iter or max(100, 4 * k + 40))
    if max_iter < k:
        raise SpecError("max_iter", max_iter, f"at least k = {k}")
    gen = generator_from(rng)
    if v0 is None or not bool(torch.linalg.vector_norm(v0) > 0):
        v0 = random_block(n, 1, gen, op.dtype, op.device, "gaussian")[:, 0]
    before = op.num_products
    process = LanczosProcess(op, v0, max_iter, gen)
    breakdown = breakdown_tolerance(op.dtype)
    converged = False
    while process.steps < process.max_steps:
        b = process.step()
        m = process.steps
        theta, s, order = _selected(process, k, which)
        residuals = (b * s[-1, order]).abs()
        scale = theta.abs().max()
        # one host sync per step: the decision needs b, the scale and the residuals
        b_val, scale_val, worst = torch.stack([b, scale, residuals.max()]).tolist()
        if m == n:
            converged = True
            break
        if b_val <= breakdown * max(scale_val, torch.finfo(op.dtype).tiny):
            if m >= k and not _block_adds_value(process, theta, order, which):
                converged = True
                break
            if not process.restart():
                converged = True
                break
            continue
        if m >= k and worst <= tol * scale_val and _block_lead_converged(process, b, which,
                                                                        tol * scale_val):
            converged = True
            break
    theta, s, order = _selected(process, k, which)
    m = process.steps
    last_beta = process.beta[m - 1]
    residuals = (last_beta * s[-1, order]).abs()
    if not converged:
        warnings.warn(f"Lanczos stopped after max_iter = {max_iter} products with relative "
                      f"Ritz residual {float(residuals.max() / theta.abs().max()):.2e} > "
                      f"tol = {tol:g}; raise max_iter or tol", RuntimeWarning, stacklevel=2)
    vectors = process.basis @ s[:, order] if return_eigenvectors else None
    return EigenResult(theta[order], vectors, residuals, op.num_products - before, m,
                       converged, which)


def _block_lead_converged(process: LanczosProcess, b, which: Which, tol_abs: float) -> bool:
    """In a block after a restart, has its own leading Ritz value converged? (Until then an
    undiscovered copy of a wanted eigenvalue may still emerge from it.)"""
    start = process.block_starts[-1]
    if start == 0:
        return True
    theta, s = torch.linalg.eigh(process.tridiagonal(start, process.steps))
    lead = torch.argmax(_order_key(theta, which))
    return float((b * s[-1, lead]).abs()) <= tol_abs


def _block_adds_value(process: LanczosProcess, theta, order, which: Which) -> bool:
    """Does the block since the last restart hold a value beyond the current k-th wanted?"""
    start = process.block_starts[-1]
    if start == 0:
        return True  # the first block: restart once to look for further copies
    block = torch.linalg.eigvalsh(process.tridiagonal(start, process.steps))
    kth = _order_key(theta[order[-1:]], which)
    margin = breakdown_tolerance(process.op.dtype) * theta.abs().max()
    return bool((_order_key(block, which).max() > kth + margin).item())
