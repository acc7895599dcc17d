"""How a convolutional family reads a task's flat inputs x [B, d]: as [C, L] or [C, H, W].

Tasks hand every family flat vectors; a CNN or ResNet views them as `input_shape`, by default
one channel of length d (1-D) or one square channel of side √d (2-D; sklearn digits are 8×8).
"""

from __future__ import annotations

import math

from riskscope.core.errors import SpecError


def resolve_input_shape(dims: int, input_dim: int, given: list[int] | None,
                        field: str = "model.input_shape") -> tuple[int, ...]:
    """(C, L) or (C, H, W) with product d, or SpecError naming `field`."""
    if given is None:
        if dims == 1:
            return (1, input_dim)
        side = math.isqrt(input_dim)
        if side * side != input_dim:
            raise SpecError(field, None, f"[channels, height, width] with product {input_dim} "
                            f"(the task's input size is not a square, so give the shape)")
        return (1, side, side)
    if len(given) != dims + 1 or any(s < 1 for s in given) or math.prod(given) != input_dim:
        raise SpecError(field, given, f"{dims + 1} positive sizes [channels, "
                        f"{'length' if dims == 1 else 'height, width'}] with product "
                        f"{input_dim} (the task's input size)")
    return tuple(given)


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1
