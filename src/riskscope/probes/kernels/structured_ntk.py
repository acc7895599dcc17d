"""The empirical NTK of networks built from dense layers, without forming Jacobians.

For a dense layer z = m · W h + b applied to each example on its own, the Jacobian of output a
at x with respect to W is m · δ_a(x) h(x)ᵀ, where h(x) is the layer's input and δ_a(x) =
∂f_a(x)/∂z (the back-propagated signal at the layer's output); with respect to b it is δ_a(x).
The layer's share of Θ is therefore a product of two small Gram matrices:

    Θ_l(x, x')_{ab} = (δ_a(x) · δ_b(x')) · (m² h(x) · h(x') + [b trainable])

and Θ = Σ_l Θ_l. This is the structured-derivative form of the finite-width NTK (Novak,
Sohl-Dickstein & Schoenholz 2022, "Fast finite width neural tangent kernel"): for N examples
it costs N²·O²·(fan_in + fan_out) per layer instead of N²·O²·fan_in·fan_out for contracting
per-example Jacobians, plus one forward pass and O backward passes for h and δ.

It applies when every trainable parameter is the weight or bias of an `nn.Linear` or of
riskscope's `ScaledLinear`, each such layer runs once per forward pass on a [N, fan_in] input,
and no layer couples the examples of a batch (batch norm, or dropout in training mode):
`structured_ntk` returns None otherwise and `empirical_ntk` contracts Jacobians instead.
"""

from __future__ import annotations

import torch
from torch import nn

from riskscope.models.mlp import ScaledLinear
from riskscope.probes.linops.checks import MODE_DEPENDENT

_DENSE = (nn.Linear, ScaledLinear)


def _dense_layers(model: nn.Module) -> list[nn.Module] | None:
    """The dense layers holding every trainable parameter, or None if some parameter lives
    elsewhere or a layer may couple examples."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            return None
        if isinstance(m, MODE_DEPENDENT) and m.training:
            return None
    layers, owned = [], set()
    for m in model.modules():
        if isinstance(m, _DENSE):
            trainable = [p for p in (m.weight, m.bias) if p is not None and p.requires_grad]
            if trainable:
                layers.append(m)
                owned.update(id(p) for p in trainable)
    everything = {id(p) for p in model.parameters() if p.requires_grad}
    return layers if layers and owned == everything else None


class _Signals:
    """Inputs h and outputs z of each dense layer in one forward pass."""

    def __init__(self, layers: list[nn.Module]):
        self.layers = layers
        self.calls: dict[int, list[tuple[torch.Tensor, torch.Tensor]]] = {}

    def __enter__(self):
        def hook(module, args, output):
            self.calls.setdefault(id(module), []).append((args[0].detach(), output))

        self.handles = [m.register_forward_hook(hook) for m in self.layers]
        return self

    def __exit__(self, *exc):
        for h in self.handles:
            h.remove()


def _layer_factors(model: nn.Module, layers: list[nn.Module], x: torch.Tensor
                   ) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
    """Per layer (δ [N, O, fan_out], h [N, fan_in]); None if the structure does not apply."""
    n = x.shape[0]
    with torch.enable_grad(), _Signals(layers) as signals:
        out = model(x)
    calls = [signals.calls.get(id(m), []) for m in layers]
    if any(len(c) != 1 for c in calls) or out.shape[0] != n:
        return None  # a layer used twice (or never), or outputs not one row per example
    if any(h.dim() != 2 or h.shape[0] != n for (h, _), in calls):
        return None  # e.g. dense layers over tokens: the Gram form needs one row per example
    out = out.reshape(n, -1)
    outputs = [z for (_, z), in calls]
    if not all(z.requires_grad for z in outputs):
        return None
    num_outputs = out.shape[1]
    deltas: list[list[torch.Tensor]] = [[] for _ in layers]
    for a in range(num_outputs):
        grads = torch.autograd.grad(out[:, a].sum(), outputs, retain_graph=a + 1 < num_outputs,
                                    allow_unused=True)
        for k, g in enumerate(grads):
            deltas[k].append(torch.zeros_like(outputs[k]) if g is None else g)
    return [(torch.stack(d, dim=1), h) for d, ((h, _),) in zip(deltas, calls)]


def _input_gram(layer: nn.Module, h1: torch.Tensor, h2: torch.Tensor) -> torch.Tensor:
    """m² h·h' over the trainable weight, plus 1 for a trainable bias."""
    gram = torch.zeros(h1.shape[0], h2.shape[0], dtype=h1.dtype, device=h1.device)
    if layer.weight.requires_grad:
        m = getattr(layer, "multiplier", 1.0)
        gram = gram + (m * m) * (h1 @ h2.T)
    if layer.bias is not None and layer.bias.requires_grad:
        gram = gram + 1.0
    return gram


def structured_ntk(model: nn.Module, x1: torch.Tensor, x2: torch.Tensor | None,
                   mode: str) -> torch.Tensor | None:
    """Θ(x1, x2) in empirical_ntk's layout ("full": [N1·O, N2·O] example-major; "trace":
    [N1, N2]), or None when the model is not made of per-example dense layers."""
    layers = _dense_layers(model)
    if layers is None:
        return None
    f1 = _layer_factors(model, layers, x1)
    if f1 is None:
        return None
    f2 = f1 if x2 is None else _layer_factors(model, layers, x2)
    if f2 is None:
        return None
    n1, n2 = x1.shape[0], (x1 if x2 is None else x2).shape[0]
    num_outputs = f1[0][0].shape[1]
    theta = None
    for layer, (d1, h1), (d2, h2) in zip(layers, f1, f2):
        gram = _input_gram(layer, h1, h2)
        if mode == "trace":  # Σ_a δ_a(x)·δ_a(x') = the flattened [O·fan_out] dot product
            part = (d1.reshape(n1, -1) @ d2.reshape(n2, -1).T) * gram
        else:
            signal = d1.reshape(n1 * num_outputs, -1) @ d2.reshape(n2 * num_outputs, -1).T
            part = (signal.view(n1, num_outputs, n2, num_outputs)
                    * gram[:, None, :, None]).reshape(n1 * num_outputs, n2 * num_outputs)
        theta = part if theta is None else theta.add_(part)
    return theta.detach()
