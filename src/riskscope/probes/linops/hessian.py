"""The Hessian of a model's loss on data as a linear operator.

H = ∇²_θ L(θ), L = (1/N) Σ_i ℓ(f(x_i; θ), y_i) the mean loss over the data (see data.py for
the loss conventions), θ the trainable parameters. Sharpness (Cohen et al. 2021) is λ_max(H)
of the full training loss; with riskscope's squared error (no ½) it is twice the sharpness of
the ½-convention loss of that paper, and gradient descent with step η is stable along the top
eigenvector while λ_max(H) < 2/η in either convention, as long as H is the Hessian of the loss
that gradient descent follows.

Hessian–vector products (Pearlmutter 1994) by reverse-over-reverse differentiation: for each
chunk the gradient is built once with `create_graph=True` and kept; each product is then one
backward pass through that graph (`torch.autograd.grad(g, θ, v, retain_graph=True)`), with no
new forward pass. Memory: one graph per chunk, kept for the operator's lifetime (pass
`reuse_graph=False` to rebuild it per product instead). The alternative, forward-over-reverse
`torch.func.jvp(torch.func.grad(L))`, recomputes the forward and backward passes per product;
benchmarks/curvature_hessian.py measured it 1.3× slower per product on the CPU (and its first
call in a process costs seconds of one-time setup), so it is not offered here.

The operator is a snapshot: build a new one after the parameters change.
"""

from __future__ import annotations

import torch
from torch import nn

from riskscope.probes.linops.data import LossFn
from riskscope.probes.linops.model_operator import ModelOperator


class HessianOperator(ModelOperator):
    """v ↦ H v for the Hessian of the mean loss of `model` on `data`.

    model: any nn.Module (left in the mode it is in; see checks.py); its trainable parameters
    define θ. data: an (x, y) pair, a Dataset or a DataLoader; chunk_size splits it.
    """

    def __init__(self, model: nn.Module, data, loss: str | LossFn = "auto",
                 chunk_size: int | None = None, reuse_graph: bool = True,
                 check_deterministic: bool = True):
        super().__init__(model, data, loss, chunk_size, check_deterministic)
        self.reuse_graph = reuse_graph
        self._graphs: dict[int, tuple[list[torch.Tensor], list[int]]] = {}

    def _gradient_graph(self, index: int) -> tuple[list[torch.Tensor], list[int]]:
        """(gradients that depend on θ, their parameter indices) of chunk `index`."""
        if index in self._graphs:
            return self._graphs[index]
        loss = self._chunk_loss(self.chunks[index])
        grads = torch.autograd.grad(loss, self.params, create_graph=True, allow_unused=True)
        keep = [k for k, g in enumerate(grads) if g is not None and g.requires_grad]
        graph = ([grads[k] for k in keep], keep)
        if self.reuse_graph:
            self._graphs[index] = graph
        return graph

    def _chunk_product(self, index: int, vs: list[torch.Tensor]) -> list[torch.Tensor | None]:
        grads, keep = self._gradient_graph(index)
        out: list[torch.Tensor | None] = [None] * len(self.params)
        if not keep:  # the loss is linear in θ: H = 0
            return out
        hv = torch.autograd.grad(grads, self.params, grad_outputs=[vs[k] for k in keep],
                                 retain_graph=self.reuse_graph, allow_unused=True)
        return list(hv)

    def release(self) -> None:
        """Free the kept gradient graphs (they are rebuilt on the next product)."""
        self._graphs.clear()
