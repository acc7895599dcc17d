"""Dense float64 oracles for curvature: the Hessian, the Jacobian and the Gauss–Newton matrix.

Computed the slow, obvious way on a flat vector θ of the trainable parameters (those with
`requires_grad`, in `model.parameters()` order) with `torch.autograd.functional`, never with
the operators under test, so that a test compares two independent computations. Meant for tiny
models (a few hundred parameters): the Hessian is P × P and the Jacobian (N·O) × P.

Loss convention: `loss(output, y)` returns the loss of the whole batch as a scalar; the oracles
differentiate exactly that scalar (a mean over examples if the loss averages).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def trainable_flat(model: nn.Module) -> tuple[list[str], list[torch.Size], torch.Tensor]:
    """(names, shapes, θ) of the trainable parameters; θ is a detached flat copy."""
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    names = [n for n, _ in named]
    shapes = [p.shape for _, p in named]
    theta = torch.cat([p.detach().reshape(-1) for _, p in named])
    return names, shapes, theta


def _as_dict(names, shapes, theta: torch.Tensor) -> dict[str, torch.Tensor]:
    out, start = {}, 0
    for name, shape in zip(names, shapes):
        size = shape.numel()
        out[name] = theta[start:start + size].reshape(shape)
        start += size
    return out


def output_function(model: nn.Module, x: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """θ ↦ model(x) with the trainable parameters replaced by θ (others and buffers kept)."""
    names, shapes, _ = trainable_flat(model)
    return lambda theta: functional_call(model, _as_dict(names, shapes, theta), (x,))


def dense_hessian(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss: LossFn
                  ) -> torch.Tensor:
    """∇²_θ loss(model(x), y), a dense [P, P] matrix (in the model's dtype)."""
    f = output_function(model, x)
    theta = trainable_flat(model)[2]
    return torch.autograd.functional.hessian(lambda t: loss(f(t), y), theta, vectorize=True)


def dense_jacobian(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """∂ vec(model(x)) / ∂θ, a dense [N·O, P] matrix, rows ordered example-major."""
    f = output_function(model, x)
    theta = trainable_flat(model)[2]
    return torch.autograd.functional.jacobian(lambda t: f(t).reshape(-1), theta,
                                              vectorize=True)


def dense_output_hessian(output: torch.Tensor, y: torch.Tensor, loss: LossFn) -> torch.Tensor:
    """∇²_f loss(f, y) at f = output, a dense [N·O, N·O] matrix."""
    shape = output.shape
    return torch.autograd.functional.hessian(
        lambda flat: loss(flat.reshape(shape), y), output.detach().reshape(-1), vectorize=True)


def dense_ggn(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss: LossFn) -> torch.Tensor:
    """The generalized Gauss–Newton matrix Jᵀ (∇²_f loss) J, dense [P, P]."""
    jac = dense_jacobian(model, x)
    with torch.no_grad():
        output = model(x)
    return jac.T @ dense_output_hessian(output, y, loss) @ jac


def dense_ntk(model: nn.Module, x1: torch.Tensor, x2: torch.Tensor | None = None
              ) -> torch.Tensor:
    """The empirical NTK J(x1) J(x2)ᵀ, dense [N1·O, N2·O]."""
    j1 = dense_jacobian(model, x1)
    j2 = j1 if x2 is None else dense_jacobian(model, x2)
    return j1 @ j2.T
