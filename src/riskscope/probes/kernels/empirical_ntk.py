"""The empirical neural tangent kernel of a model by Jacobian contraction.

Θ(x, x')_{ab} = Σ_p ∂f_a(x)/∂θ_p · ∂f_b(x')/∂θ_p over the trainable parameters θ (frozen ones
excluded), at the current parameters (Jacot, Gabriel & Hongler 2018). For N1, N2 inputs and
O outputs:

- mode "full":  the [N1·O, N2·O] matrix, rows example-major (row i·O + a is output a of x_i);
- mode "trace": the trace over outputs, [N1, N2], Σ_a Θ(x_i, x_j)_{aa} (O times the scalar
  kernel when Θ = k ⊗ I_O, as for infinite-width networks).

Per-example Jacobians come from `torch.func.vmap(torch.func.jacrev(f))`, in chunks of inputs;
each pair of chunks is one matrix product. Cost: N·O·[FP] for the Jacobians plus N1·N2·O²·P
for the contraction (REFERENCES.md); products with the kernel are cheaper for large O·P (see
ntk_operator.py). Chunk Jacobians of x2 are kept when they fit in `max_elements`, else
recomputed for every chunk of x1. For Θ(x, x) with several chunks only the blocks on and
above the diagonal are computed (the rest mirrored); one chunk is one matrix product (measured
faster on the CPU than forcing smaller blocks to halve the arithmetic). The model's mode is
never switched (checks.py).

`method="auto"` (default) first tries the structured form of structured_ntk.py — Gram
matrices of each dense layer's inputs and back-propagated signals, no Jacobians — which
applies to networks whose trainable parameters all sit in dense layers applied per example
(MLPs); anything else is contracted from Jacobians as above. Both give the same kernel up to
rounding (tested against an explicit Jacobian).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn
from torch.func import functional_call, jacrev, vmap

from riskscope.core.errors import SpecError
from riskscope.probes.kernels.structured_ntk import structured_ntk
from riskscope.probes.linops.checks import (
    batch_statistics_layers,
    trainable_parameters,
    warn_if_training_mode,
)

Mode = Literal["full", "trace"]
Method = Literal["auto", "structured", "jacobian"]


class JacobianMaker:
    """Flat per-example Jacobians [c·O, P] (or [c, O·P]) of a model's outputs."""

    def __init__(self, model: nn.Module):
        trainable_parameters(model)  # refuses ensembles and parameterless models
        coupled = batch_statistics_layers(model)
        if coupled:
            raise SpecError("model", "batch norm in training mode: " + ", ".join(coupled),
                            "a model whose output on one example does not depend on the "
                            "others in its batch",
                            "the NTK is a per-example kernel; model.eval() fixes that (batch "
                            "norm then uses its running statistics)")
        warn_if_training_mode(model)
        self.model = model
        self.params = {n: p.detach() for n, p in model.named_parameters() if p.requires_grad}
        self.num_parameters = sum(p.numel() for p in self.params.values())

        def single(params, x):
            return functional_call(model, params, (x.unsqueeze(0),)).reshape(-1)

        self._jac = vmap(jacrev(single), in_dims=(None, 0), randomness="different")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """[c, O, P] Jacobian of the c examples of x."""
        jac = self._jac(self.params, x)
        c = x.shape[0]
        return torch.cat([j.reshape(c, j.shape[1], -1) for j in jac.values()], dim=2)


def _chunks(x: torch.Tensor, size: int) -> list[torch.Tensor]:
    return [x[i:i + size] for i in range(0, x.shape[0], size)]


def _contract(j1: torch.Tensor, j2: torch.Tensor, mode: Mode) -> torch.Tensor:
    if mode == "trace":
        return j1.reshape(j1.shape[0], -1) @ j2.reshape(j2.shape[0], -1).T
    return j1.reshape(-1, j1.shape[2]) @ j2.reshape(-1, j2.shape[2]).T


def empirical_ntk(model: nn.Module, x1: torch.Tensor, x2: torch.Tensor | None = None, *,
                  mode: Mode = "full", method: Method = "auto", chunk_size: int | None = None,
                  max_elements: int = 2**27) -> torch.Tensor:
    """The empirical NTK Θ(x1, x2) of `model` (x2 = x1 when None); see the module docstring.

    method: "auto" (structured when the model allows it, else Jacobians), "structured"
    (an error if the model is not made of per-example dense layers) or "jacobian".
    chunk_size: examples per Jacobian chunk (default: about 2^25 Jacobian entries per chunk).
    Returns a tensor in the model's dtype on its device.

    >>> import torch
    >>> net = torch.nn.Linear(2, 1, bias=False).double()      # f(x) = w·x: Θ(x, x') = x·x'
    >>> x = torch.tensor([[1.0, 2.0], [3.0, -1.0]], dtype=torch.float64)
    >>> empirical_ntk(net, x).tolist()
    [[5.0, 1.0], [1.0, 10.0]]
    """
    if mode not in ("full", "trace"):
        raise SpecError("mode", mode, "full or trace")
    if method not in ("auto", "structured", "jacobian"):
        raise SpecError("method", method, "auto, structured or jacobian")
    maker = JacobianMaker(model)
    p0 = next(iter(maker.params.values()))
    x1 = x1.to(device=p0.device, dtype=p0.dtype)
    symmetric = x2 is None
    x2 = x1 if symmetric else x2.to(device=p0.device, dtype=p0.dtype)
    if method != "jacobian":
        theta = structured_ntk(model, x1, None if symmetric else x2, mode)
        if theta is not None:
            return theta
        if method == "structured":
            raise SpecError("method", "structured", "auto or jacobian for this model",
                            "the structured NTK needs every trainable parameter in a dense "
                            "layer (nn.Linear) applied once per example, with no batch norm "
                            "or active dropout")
    with torch.no_grad():
        num_outputs = model(x1[:1]).reshape(-1).numel()
    per_example = num_outputs * maker.num_parameters
    if chunk_size is None:
        chunk_size = max(1, 2**25 // per_example)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise SpecError("chunk_size", chunk_size, "a positive integer or None")
    rows = num_outputs if mode == "full" else 1
    out = torch.empty(x1.shape[0] * rows, x2.shape[0] * rows, dtype=p0.dtype, device=p0.device)
    chunks1, chunks2 = _chunks(x1, chunk_size), _chunks(x2, chunk_size)
    keep = x2.shape[0] * per_example <= max_elements
    cached = [maker(c) for c in chunks2] if keep else None
    start1 = 0
    for i, c1 in enumerate(chunks1):
        j1 = cached[i] if symmetric and keep else maker(c1)
        start2 = 0
        for j, c2 in enumerate(chunks2):
            rows1, rows2 = c1.shape[0] * rows, c2.shape[0] * rows
            if symmetric and j < i:  # mirror the block computed earlier
                out[start1:start1 + rows1, start2:start2 + rows2] = \
                    out[start2:start2 + rows2, start1:start1 + rows1].T
            else:
                j2 = cached[j] if keep else (j1 if symmetric and i == j else maker(c2))
                out[start1:start1 + rows1, start2:start2 + rows2] = _contract(j1, j2, mode)
            start2 += rows2
        start1 += rows1
    return out
