"""The generalized Gauss–Newton (GGN) matrix of a model's loss as a linear operator.

G = Σ_c (n_c/N) J_cᵀ (∇²_f L_c) J_c, where J_c = ∂f(x_c)/∂θ is the Jacobian of the chunk's
outputs and ∇²_f L_c the Hessian of the chunk's mean loss with respect to those outputs
(Schraudolph 2002; Martens 2020). It drops the term with the network's second derivatives, so
G ⪰ 0 for convex losses, and G = H for a network that is linear in θ. For the squared error
(riskscope's convention, no ½) ∇²_f L_c = (2/n_c) I, so G = (2/N) JᵀJ, whose non-zero
eigenvalues are those of the empirical NTK Gram matrix (2/N)·Θ (same J, other side).

Products reuse one graph per chunk: the outputs f and ∂L/∂f (with `create_graph=True`) are
built once, with Jᵀu for a dummy u (also with `create_graph=True`); then J v is the
derivative of ⟨Jᵀu, v⟩ with respect to u (the double-vjp trick), ∇²_f L (J v) a backward pass
through ∂L/∂f, and Jᵀ(·) a backward pass through f: three backward passes per product.
"""

from __future__ import annotations

import torch
from torch import nn

from riskscope.probes.linops.data import LossFn
from riskscope.probes.linops.model_operator import ModelOperator


class GGNOperator(ModelOperator):
    """v ↦ G v for the generalized Gauss–Newton matrix of the mean loss of `model` on `data`."""

    def __init__(self, model: nn.Module, data, loss: str | LossFn = "auto",
                 chunk_size: int | None = None, reuse_graph: bool = True,
                 check_deterministic: bool = True):
        super().__init__(model, data, loss, chunk_size, check_deterministic)
        self.reuse_graph = reuse_graph
        self._graphs: dict[int, tuple] = {}

    def _graph(self, index: int) -> tuple:
        if index in self._graphs:
            return self._graphs[index]
        chunk = self.chunks[index]
        output = self.forward(chunk.x)
        loss = self.loss_fn(output, chunk.y)
        (dloss,) = torch.autograd.grad(loss, output, create_graph=True)
        dummy = torch.zeros_like(output, requires_grad=True)
        jt_dummy = torch.autograd.grad(output, self.params, grad_outputs=dummy,
                                       create_graph=True, allow_unused=True)
        keep = [k for k, g in enumerate(jt_dummy) if g is not None]
        graph = (output, dloss, dummy, [jt_dummy[k] for k in keep], keep)
        if self.reuse_graph:
            self._graphs[index] = graph
        return graph

    def _chunk_product(self, index: int, vs: list[torch.Tensor]) -> list[torch.Tensor | None]:
        output, dloss, dummy, jt_dummy, keep = self._graph(index)
        (jv,) = torch.autograd.grad(jt_dummy, dummy, grad_outputs=[vs[k] for k in keep],
                                    retain_graph=True)
        if dloss.requires_grad:
            (hjv,) = torch.autograd.grad(dloss, output, grad_outputs=jv, retain_graph=True)
        else:  # a loss linear in the outputs has zero output Hessian
            hjv = torch.zeros_like(jv)
        return list(torch.autograd.grad(output, self.params, grad_outputs=hjv,
                                        retain_graph=self.reuse_graph, allow_unused=True))

    def release(self) -> None:
        self._graphs.clear()
