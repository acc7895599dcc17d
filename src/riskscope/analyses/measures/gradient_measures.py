"""Gradient-based measures at the trained weights (cross-entropy ℓ_i of example i), from the
per-example gradients g_i = ∇_w ℓ_i (torch.func vmap(grad), accumulated in chunks):

- fisher_rao_norm (Liang, Poggio, Rakhlin & Stokes 2019): (1/m) Σ_i ⟨w, g_i⟩², all parameters.
  For a bias-free ReLU network with L+1 layers (f positively homogeneous of degree L+1) it
  equals Liang et al.'s (L+1)² · (1/m) Σ_i ⟨∂ℓ_i/∂f, f(x_i)⟩², tested on that case. (Jiang et
  al. 2020 write a (d+1)² prefactor in front of a sum of this kind; a constant for a fixed
  depth, absent here.)
- gradient_noise: tr Cov_i(g_i) = (1/(m−1)) Σ_i ‖g_i − ḡ‖², the variance of per-example
  gradients (a mini-batch gradient of size b has noise tr Cov / b).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from riskscope.probes.complexity.functional import parameter_dict
from riskscope.tasks.base import Dataset


def gradient_statistics(model: nn.Module, data: Dataset, chunk: int = 128
                        ) -> dict[str, float]:
    """{fisher_rao_norm, gradient_noise} from one pass of per-example gradients."""
    params = parameter_dict(model)
    device = next(iter(params.values())).device
    w = torch.cat([p.reshape(-1) for p in params.values()]).double()

    def loss_one(p, x, y):
        return nn.functional.cross_entropy(functional_call(model, p, (x[None],)), y[None])

    per_example = vmap(grad(loss_one), in_dims=(None, 0, 0))
    m = len(data)
    total = torch.zeros_like(w)
    squares = directional = 0.0
    for i in range(0, m, chunk):
        g = per_example(params, data.x[i:i + chunk].to(device), data.y[i:i + chunk].to(device))
        flat = torch.cat([t.reshape(t.shape[0], -1) for t in g.values()], 1).double()
        squares += float(flat.pow(2).sum())
        directional += float((flat @ w).pow(2).sum())
        total += flat.sum(0)
    noise = (squares - float(total.pow(2).sum()) / m) / (m - 1) if m > 1 else float("nan")
    return {"fisher_rao_norm": directional / m, "gradient_noise": noise}


def fisher_rao_norm(model: nn.Module, data: Dataset, chunk: int = 128) -> float:
    return gradient_statistics(model, data, chunk)["fisher_rao_norm"]


def gradient_noise(model: nn.Module, data: Dataset, chunk: int = 128) -> float:
    return gradient_statistics(model, data, chunk)["gradient_noise"]
