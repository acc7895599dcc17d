"""Per-layer weight norms of a network (biases ignored, as in the norm-based bounds).

For layer i with effective weight W_i and reference M_i (the initialization, or 0):
- frobenius ‖W_i‖_F (of the kernel tensor for a conv layer);
- spectral ‖W_i‖₂ (a conv layer: the operator norm on its actual input, see spectral.py);
- two_one ‖W_iᵀ − M_iᵀ‖_{2,1} = Σ_units ‖(W_i − M_i)[unit, :]‖₂, the sum over output units of
  the Euclidean norms of their incoming weights (Bartlett, Foster & Telgarsky 2017; a conv
  layer: over output channels of the reshaped kernel);
- frobenius_distance ‖W_i − W_i⁰‖_F and spectral_distance ‖W_i − W_i⁰‖₂ from the
  initialization (NaN when no initialization is given).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.probes.complexity.layers import (
    WeightLayer,
    layer_input_shapes,
    weight_layers,
)
from riskscope.probes.complexity.spectral import layer_spectral_norm


@dataclass(frozen=True)
class LayerNorms:
    name: str
    kind: str
    fan_out: int
    frobenius: float
    spectral: float
    two_one: float
    frobenius_distance: float
    spectral_distance: float


def init_state(init: nn.Module | Mapping[str, torch.Tensor] | None,
               field: str = "init") -> dict[str, torch.Tensor] | None:
    """The initialization's parameters by full name (a module or a state dict), or None."""
    if init is None:
        return None
    if isinstance(init, nn.Module):
        return {name: p.detach() for name, p in init.named_parameters()}
    if isinstance(init, Mapping):
        return {name: torch.as_tensor(t).detach() for name, t in init.items()}
    raise SpecError(field, type(init).__name__, "an nn.Module or a state dict of the same network")


def reference_weights(layers: list[WeightLayer], init: dict[str, torch.Tensor] | None,
                      field: str = "init") -> dict[str, torch.Tensor] | None:
    """The initialization's effective weight of each layer (multiplier applied), or None."""
    if init is None:
        return None
    out = {}
    for layer in layers:
        key = f"{layer.name}.weight" if layer.name else "weight"
        if key not in init or tuple(init[key].shape) != tuple(layer.module.weight.shape):
            given = tuple(init[key].shape) if key in init else "missing"
            raise SpecError(f"{field}[{key!r}]", given,
                            f"a tensor of shape {tuple(layer.module.weight.shape)}")
        scale = getattr(layer.module, "multiplier", 1.0)
        out[layer.name] = init[key].to(layer.weight) * scale
    return out


def _difference_spectral(layer: WeightLayer, diff: torch.Tensor, shape, seed: int) -> float:
    return layer_spectral_norm(WeightLayer(layer.name, layer.module, layer.kind, diff), shape, seed)


def layer_norms(model: nn.Module, x: torch.Tensor,
                init: nn.Module | Mapping[str, torch.Tensor] | None = None,
                seed: int = 0, *, layers: list[WeightLayer] | None = None,
                input_shapes: Mapping[str, tuple[int, ...]] | None = None) -> list[LayerNorms]:
    """The norms of every weight layer (in registration order, or of `layers` in their order,
    e.g. `forward_chain(model, x).layers`); `x` (a batch of inputs) gives conv input shapes
    unless `input_shapes` (one example's input shape by layer name) gives them."""
    layers = weight_layers(model) if layers is None else layers
    refs = reference_weights(layers, init_state(init))
    if input_shapes is not None:
        shapes = dict(input_shapes)
    else:
        shapes = layer_input_shapes(model, x, layers) if any(
            layer.kind == "conv" for layer in layers) else {}
    out = []
    for layer in layers:
        w = layer.weight.double()
        shape = shapes.get(layer.name)
        if refs is None:
            fro_d = spec_d = math.nan
            diff = w
        else:
            diff = w - refs[layer.name].double()
            fro_d = float(diff.norm())
            spec_d = _difference_spectral(layer, diff, shape, seed)
        two_one = float(diff.reshape(diff.shape[0], -1).norm(dim=1).sum()) if refs is not None \
            else float(w.reshape(w.shape[0], -1).norm(dim=1).sum())
        out.append(LayerNorms(layer.name, layer.kind, int(w.shape[0]), float(w.norm()),
                              layer_spectral_norm(layer, shape, seed), two_one, fro_d, spec_d))
    return out
