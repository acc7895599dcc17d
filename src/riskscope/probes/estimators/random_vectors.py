"""Random probe vectors for the stochastic estimators, drawn from an explicit generator.

Rademacher vectors (entries ±1 with probability ½) give the Hutchinson estimator with the
smallest variance among i.i.d. probes for a fixed matrix: Var[zᵀAz] = 2(‖A‖_F² − Σ_i a_ii²)
(Hutchinson 1990; Avron & Toledo 2011). Gaussian vectors give Var = 2‖A‖_F².
"""

from __future__ import annotations

from typing import Literal

import torch

from riskscope.core.errors import SpecError
from riskscope.core.rng import as_torch_generator

Distribution = Literal["rademacher", "gaussian"]


def generator_from(rng: int | torch.Generator) -> torch.Generator:
    """A torch.Generator from a seed or a generator (randomness is always passed in)."""
    try:
        return as_torch_generator(rng)
    except TypeError:
        raise SpecError("rng", type(rng).__name__, "an int seed or a torch.Generator") from None


def random_block(n: int, k: int, generator: torch.Generator, dtype: torch.dtype,
                 device: torch.device, distribution: Distribution = "rademacher"
                 ) -> torch.Tensor:
    """A block [n, k] of i.i.d. probe vectors, drawn on the generator's device, then moved."""
    gen_device = generator.device
    if distribution == "rademacher":
        bits = torch.randint(0, 2, (n, k), generator=generator, device=gen_device)
        block = bits.to(dtype).mul_(2).sub_(1)
    elif distribution == "gaussian":
        block = torch.randn(n, k, generator=generator, device=gen_device, dtype=dtype)
    else:
        raise SpecError("distribution", distribution, "rademacher or gaussian")
    return block.to(device)
