"""The MLP family's parameters and the scaling of each parameterization.

Layer l maps fan_in → fan_out with effective weight W = m_l · W_raw and bias b = b_raw. The
parameterizations differ in where the 1/√fan_in lives (Jacot et al. 2018; Chizat & Bach 2018;
Mei, Montanari & Nguyen 2018; σ_w is the activation gain, 1 for the output layer):

- standard:   W_raw ~ N(0, (c·σ_w)²/fan_in), m = 1               (PyTorch-style, He scaling)
- ntk:        W_raw ~ N(0, c²),              m = σ_w/√fan_in     (Jacot et al. 2018)
- mean-field: as ntk in hidden layers; output m = σ_w/fan_in     (f = (1/N) Σ a_i φ(w_i·x))

c is `init_scale`. Biases are not rescaled (m_b = 1) and start at N(0, (c·bias_init_std)²),
zero by default. With equal raw weights the three give the same function at width N only
up to these multipliers; gradient flow differs, which is what lazy-vs-rich studies measure.
"""

from __future__ import annotations

import itertools
import math
from typing import Literal

from pydantic import Field

from riskscope.core.validation import Params
from riskscope.models.activations import ACTIVATIONS, activation_gain

Activation = Literal["relu", "tanh", "gelu", "erf", "sigmoid", "softplus", "quadratic", "linear"]
Parameterization = Literal["standard", "ntk", "mean-field"]
assert set(Activation.__args__) == set(ACTIVATIONS)


class MLPSpec(Params):
    """Shape and scaling of a fully connected network: input_dim → [width]*depth → output_dim."""

    input_dim: int = Field(gt=0)
    output_dim: int = Field(gt=0)
    width: int = Field(gt=0)
    depth: int = Field(ge=1, description="number of hidden layers")
    activation: Activation = "relu"
    bias: bool = True
    parameterization: Parameterization = "standard"
    init_scale: float = Field(default=1.0, gt=0)
    bias_init_std: float = Field(default=0.0, ge=0)

    @property
    def layer_sizes(self) -> list[tuple[int, int]]:
        dims = [self.input_dim] + [self.width] * self.depth + [self.output_dim]
        return list(itertools.pairwise(dims))

    @property
    def num_parameters(self) -> int:
        return sum(i * o + (o if self.bias else 0) for i, o in self.layer_sizes)

    def scaling(self, layer: int) -> tuple[float, float]:
        """(raw weight std, forward multiplier) of layer `layer` (0-based)."""
        fan_in, _ = self.layer_sizes[layer]
        last = layer == len(self.layer_sizes) - 1
        gain = 1.0 if last else activation_gain(self.activation)
        c = self.init_scale
        if self.parameterization == "standard":
            return c * gain / math.sqrt(fan_in), 1.0
        if self.parameterization == "mean-field" and last:
            return c, gain / fan_in
        return c, gain / math.sqrt(fan_in)

    def flops_per_example(self) -> int:
        """Multiply-adds ×2 of one forward pass of one member (matmuls only)."""
        return 2 * sum(i * o for i, o in self.layer_sizes)
