"""The empirical NTK Gram matrix as a linear operator: NTK–vector products.

Θ = J Jᵀ over the inputs x (J = ∂vec f(x)/∂θ, [N·O, P], rows example-major), so
Θ v = J (Jᵀ v): one backward pass for u = Jᵀ v and one for J u (the double-vjp trick: J u is
the derivative of ⟨Jᵀw, u⟩ with respect to a dummy w). The output graph of each chunk is built
once and kept, so a product costs two backward passes and no forward pass; Θ is never formed.
Cheaper than contracting Jacobians when O·P is large (REFERENCES.md): pair it with
`lanczos_top_eigenvalues` for λ_max of a large Gram matrix.
"""

from __future__ import annotations

import torch
from torch import nn

from riskscope.probes.linops.checks import trainable_parameters, warn_if_training_mode
from riskscope.probes.operator import LinearOperator


class NTKOperator(LinearOperator):
    """v ↦ Θ v for the empirical NTK Gram matrix of `model` on inputs x ([N·O] vectors)."""

    def __init__(self, model: nn.Module, x: torch.Tensor, chunk_size: int | None = None):
        self.params = trainable_parameters(model)
        warn_if_training_mode(model)
        self.device, self.dtype = self.params[0].device, self.params[0].dtype
        x = x.to(device=self.device, dtype=self.dtype)
        step = chunk_size or max(int(x.shape[0]), 1)
        self._graphs = []
        for start in range(0, x.shape[0], step):
            output = model(x[start:start + step]).reshape(-1)
            dummy = torch.zeros_like(output, requires_grad=True)
            jt_dummy = torch.autograd.grad(output, self.params, grad_outputs=dummy,
                                           create_graph=True, allow_unused=True)
            keep = [k for k, g in enumerate(jt_dummy) if g is not None]
            self._graphs.append((output, dummy, [jt_dummy[k] for k in keep], keep))
        n = sum(g[0].numel() for g in self._graphs)
        self.shape = (n, n)
        self.num_products = 0

    def _matvec(self, v: torch.Tensor) -> torch.Tensor:
        u = [torch.zeros_like(p) for p in self.params]
        start = 0
        for output, _, _, _ in self._graphs:
            size = output.numel()
            grads = torch.autograd.grad(output, self.params, grad_outputs=v[start:start + size],
                                        retain_graph=True, allow_unused=True)
            for acc, g in zip(u, grads):
                if g is not None:
                    acc.add_(g)
            start += size
        pieces = []
        for _, dummy, jt_dummy, keep in self._graphs:
            (ju,) = torch.autograd.grad(jt_dummy, dummy, grad_outputs=[u[k] for k in keep],
                                        retain_graph=True)
            pieces.append(ju)
        return torch.cat(pieces)
