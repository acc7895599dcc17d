"""The Lanczos process with full reorthogonalization, kept on the operator's device.

From a unit vector q₁, Lanczos builds an orthonormal basis Q_m of the Krylov space
span{q₁, A q₁, …, A^{m−1} q₁} and the tridiagonal T_m = Q_mᵀ A Q_m (diagonal α, off-diagonal
β) by one product per step (Lanczos 1950; Golub & Van Loan §10.1). In floating point the basis
loses orthogonality and copies ("ghosts") of converged eigenvalues appear; here every new
vector is orthogonalized against the whole basis twice ("twice is enough", Parlett), so T_m
stays a faithful projection. The basis, T and all arithmetic stay on the operator's device.

Breakdown: β_j ≈ 0 means the Krylov space is invariant (the start vector has components in
only j eigenspaces). `restart()` continues with a random vector orthogonal to the basis and
sets β_j = 0, so T becomes block diagonal and later blocks can find further copies of repeated
eigenvalues (single-vector Lanczos finds one copy per invariant block).
"""

from __future__ import annotations

import torch

from riskscope.probes.estimators.random_vectors import random_block
from riskscope.probes.operator import LinearOperator


def breakdown_tolerance(dtype: torch.dtype) -> float:
    """Relative size of β below which the Krylov space counts as exhausted: 10·ε^(2/3)
    (≈ 4e-10 in float64, 2e-4 in float32), above the rounding noise of a product."""
    return 10 * torch.finfo(dtype).eps ** (2 / 3)


class LanczosProcess:
    """Incremental Lanczos: call `step()` up to `max_steps` times; `tridiagonal()` gives T."""

    def __init__(self, operator: LinearOperator, start: torch.Tensor, max_steps: int,
                 generator: torch.Generator):
        n = operator.shape[0]
        self.op = operator
        self.n = n
        self.max_steps = min(max_steps, n)
        self.generator = generator
        dev, dt = operator.device, operator.dtype
        # rows are the basis vectors: Q_mᵀ = basis[:m] is contiguous (fast projections)
        self.rows = torch.empty(self.max_steps, n, dtype=dt, device=dev)
        self.alpha = torch.zeros(self.max_steps, dtype=dt, device=dev)
        self.beta = torch.zeros(self.max_steps, dtype=dt, device=dev)
        start = start.to(device=dev, dtype=dt)
        self._next = start / torch.linalg.vector_norm(start)
        self.steps = 0
        self.block_starts = [0]

    @property
    def basis(self) -> torch.Tensor:
        """Q [n, steps] (a transposed view)."""
        return self.rows[: self.steps].T

    def _orthogonalize(self, w: torch.Tensor, m: int) -> torch.Tensor:
        q_t = self.rows[:m]
        for _ in range(2):
            w = w - q_t.T @ (q_t @ w)
        return w

    def step(self) -> torch.Tensor:
        """One Lanczos step; returns β_j (a device scalar) of the new residual."""
        j = self.steps
        q = self._next
        self.rows[j] = q
        w = self.op.matvec(q)
        a = torch.dot(q, w)
        w = w - a * q
        if j > 0:
            w = w - self.beta[j - 1] * self.rows[j - 1]
        w = self._orthogonalize(w, j + 1)
        b = torch.linalg.vector_norm(w)
        self.alpha[j] = a
        self.beta[j] = b
        self._next = w / torch.clamp(b, min=torch.finfo(w.dtype).tiny)
        self.steps = j + 1
        return b

    def restart(self) -> bool:
        """After a breakdown: β_j ← 0 and a random start orthogonal to the basis. False when
        the basis already spans the space (nothing left to explore)."""
        m = self.steps
        self.beta[m - 1] = 0
        if m >= self.n:
            return False
        w = random_block(self.n, 1, self.generator, self.op.dtype, self.op.device,
                         "gaussian")[:, 0]
        w = self._orthogonalize(w, m)
        norm = torch.linalg.vector_norm(w)
        self._next = w / norm
        self.block_starts.append(m)
        return True

    def tridiagonal(self, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """T restricted to steps [start, stop) (the whole T by default)."""
        stop = self.steps if stop is None else stop
        a = self.alpha[start:stop]
        b = self.beta[start:stop - 1]
        return torch.diag(a) + torch.diag(b, 1) + torch.diag(b, -1)

    def ritz(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Ritz values θ (ascending) and the eigenvectors S of T (columns)."""
        return torch.linalg.eigh(self.tridiagonal())
