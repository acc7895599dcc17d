"""A random fully connected network used as a teacher (the target of teacher–student tasks).

Definition: with h_0 = x and activation φ,
    h_l = φ(W_l h_{l-1})  for l = 1..depth,      f(x) = W_{depth+1} h_depth,
every entry of W_l drawn i.i.d. N(0, 1/fan_in) (fan_in = the number of columns of W_l), no
biases. This is the standard teacher of the teacher–student setting (Gardner & Derrida 1989;
Saad & Solla 1995; Safran & Shamir 2018 for ReLU teachers). depth = 0 is a linear teacher.
Weights are drawn in float64 from a torch.Generator seeded by `derive_seed(seed, "teacher")`,
so a (shape, seed) pair always gives the same teacher.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import torch

from riskscope.core.memory import check_fits
from riskscope.core.rng import derive_seed, torch_generator

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "erf": torch.erf,
    "linear": lambda h: h,
}


class RandomMLP:
    """A fixed random MLP; `forward(x)` works in x's dtype and on x's device."""

    def __init__(self, input_dim: int, width: int, depth: int, output_dim: int,
                 activation: str, seed: int):
        sizes = [input_dim] + [width] * depth + [output_dim]
        weights = sum(a * b for a, b in itertools.pairwise(sizes))
        field = "task.input_dim" if input_dim > width else "task.teacher_width"
        check_fits(field, input_dim if input_dim > width else width, 8 * weights,
                   f"the teacher network ({weights} float64 weights)")
        rng = torch_generator(derive_seed(seed, "teacher"))
        self.weights = [torch.randn(fan_out, fan_in, generator=rng, dtype=torch.float64)
                        / math.sqrt(fan_in) for fan_in, fan_out in itertools.pairwise(sizes)]
        self.activation = activation
        self._phi = ACTIVATIONS[activation]

    @property
    def is_linear(self) -> bool:
        return len(self.weights) == 1 or self.activation == "linear"

    def linear_map(self) -> torch.Tensor:
        """The matrix A with f(x) = A x (float64), for a linear teacher only."""
        if not self.is_linear:
            raise ValueError("linear_map: the teacher is not linear")
        matrix = self.weights[0]
        for weight in self.weights[1:]:
            matrix = weight @ matrix
        return matrix

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for index, weight in enumerate(self.weights):
            h = h @ weight.to(device=x.device, dtype=x.dtype).T
            if index < len(self.weights) - 1:
                h = self._phi(h)
        return h

    __call__ = forward

    def state(self) -> dict[str, torch.Tensor]:
        return {f"weight_{index}": weight.clone() for index, weight in enumerate(self.weights)}
