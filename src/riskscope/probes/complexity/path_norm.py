"""The ℓ2 path norm (Neyshabur, Tomioka & Srebro 2015): the sum over all input-output paths of
the product of the squared weights along the path,

    φ(w)² = Σ_paths Π_{edges e on the path} w_e²  (here reported without the square root),

computed as in Jiang et al. 2020: square every parameter, forward an all-ones input, sum the
outputs. For a ReLU network (positive inputs pass unchanged) this is exactly the sum over
paths; biases count as paths that start at a constant-one unit (`include_biases`). For other
activations the same computation is Jiang et al.'s proxy, not a sum over paths.
The value is what Jiang et al. call "path.norm" (the squared ℓ2 path norm).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call

from riskscope.models.mlp import ScaledLinear
from riskscope.probes.complexity.layers import check_supported_layers


@torch.no_grad()
def path_norm(model: nn.Module, input_shape: tuple[int, ...], include_biases: bool = True
              ) -> float:
    """Squared ℓ2 path norm of `model` for inputs of `input_shape` (one example)."""
    layers = dict(check_supported_layers(model))
    squared = {}
    for name, p in model.named_parameters():
        owner, _, kind = name.rpartition(".")
        module = layers[owner]
        value = p.detach().double().pow(2)
        if kind == "weight" and isinstance(module, ScaledLinear):
            value = value * module.multiplier  # forward multiplies once more: (m W)² overall
        if kind == "bias" and not include_biases:
            value = torch.zeros_like(value)
        squared[name] = value
    ones = torch.ones((1, *input_shape), dtype=torch.float64,
                      device=next(model.parameters()).device)
    return float(functional_call(model, squared, (ones,)).sum())
