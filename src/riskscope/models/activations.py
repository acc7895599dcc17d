"""Pointwise activations by name, with the gain used to scale initial weights.

The gain σ_w is chosen so that a standard-parameterized layer preserves the second moment of
its input at initialization (He et al. 2015 for ReLU: σ_w² = 2); 1 for the others.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "gelu": torch.nn.functional.gelu,
    "erf": torch.erf,
    "sigmoid": torch.sigmoid,
    "softplus": torch.nn.functional.softplus,
    "quadratic": torch.square,
    "linear": lambda x: x,
}

GAINS: dict[str, float] = {"relu": math.sqrt(2.0), "gelu": math.sqrt(2.0)}


def activation_fn(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    return ACTIVATIONS[name]


def activation_gain(name: str) -> float:
    return GAINS.get(name, 1.0)
