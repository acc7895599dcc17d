"""Linear operators: a square matrix known only through its products with vectors.

Every estimator in `riskscope.probes.estimators` takes a `LinearOperator` or a dense square
torch tensor (`as_linear_operator` wraps the latter), so the same code measures the Hessian of
a network, its Gauss–Newton matrix, an NTK Gram matrix or a test matrix (the convention of
curvlinops, Dangel et al.). Vectors live on the operator's device in its dtype; `matmat`
multiplies a block of columns [n, k].
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch

from riskscope.core.errors import SpecError


class LinearOperator(ABC):
    """A square n × n linear map. Subclasses implement `matvec`; `matmat` loops by default."""

    shape: tuple[int, int]
    dtype: torch.dtype
    device: torch.device
    #: number of products taken so far (one per column), for cost accounting
    num_products: int = 0

    @abstractmethod
    def _matvec(self, v: torch.Tensor) -> torch.Tensor:
        """A v for one vector v [n]."""

    def matvec(self, v: torch.Tensor) -> torch.Tensor:
        if v.shape != (self.shape[1],):
            raise SpecError("v.shape", tuple(v.shape), f"({self.shape[1]},)")
        self.num_products += 1
        return self._matvec(v.to(device=self.device, dtype=self.dtype))

    def matmat(self, block: torch.Tensor) -> torch.Tensor:
        """A B for a block B [n, k] (column by column unless a subclass batches them)."""
        if block.dim() != 2 or block.shape[0] != self.shape[1]:
            raise SpecError("block.shape", tuple(block.shape), f"({self.shape[1]}, k)")
        return torch.stack([self.matvec(block[:, j]) for j in range(block.shape[1])], dim=1)

    def __matmul__(self, other: torch.Tensor) -> torch.Tensor:
        return self.matvec(other) if other.dim() == 1 else self.matmat(other)

    def to_dense(self) -> torch.Tensor:
        """The n × n matrix, by n products with the unit vectors (tests and tiny operators)."""
        eye = torch.eye(self.shape[1], dtype=self.dtype, device=self.device)
        return self.matmat(eye)


class DenseOperator(LinearOperator):
    """A dense square matrix seen as an operator."""

    def __init__(self, matrix: torch.Tensor):
        if not isinstance(matrix, torch.Tensor) or matrix.dim() != 2 \
                or matrix.shape[0] != matrix.shape[1]:
            shape = tuple(matrix.shape) if isinstance(matrix, torch.Tensor) else type(matrix)
            raise SpecError("matrix", shape, "a square 2-d torch tensor or a LinearOperator")
        if not matrix.is_floating_point():
            raise SpecError("matrix.dtype", matrix.dtype, "a floating-point dtype")
        self.matrix = matrix
        self.shape = (int(matrix.shape[0]), int(matrix.shape[1]))
        self.dtype = matrix.dtype
        self.device = matrix.device
        self.num_products = 0

    def _matvec(self, v: torch.Tensor) -> torch.Tensor:
        return self.matrix @ v

    def matmat(self, block: torch.Tensor) -> torch.Tensor:
        if block.dim() != 2 or block.shape[0] != self.shape[1]:
            raise SpecError("block.shape", tuple(block.shape), f"({self.shape[1]}, k)")
        self.num_products += block.shape[1]
        return self.matrix @ block.to(device=self.device, dtype=self.dtype)

    def to_dense(self) -> torch.Tensor:
        return self.matrix


def as_linear_operator(a: LinearOperator | torch.Tensor) -> LinearOperator:
    """`a` itself if it is an operator, a `DenseOperator` if it is a square tensor."""
    if isinstance(a, LinearOperator):
        return a
    if isinstance(a, torch.Tensor):
        return DenseOperator(a)
    raise SpecError("operator", type(a).__name__, "a LinearOperator or a square torch tensor")
