"""Explicit randomness: seeds become torch or numpy generators; nothing touches global state.

Child seeds are derived with numpy's SeedSequence so that (seed, purpose) pairs give
independent streams: `derive_seed(seed, "init")` and `derive_seed(seed, "data")` never collide.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch


def _key(part: object) -> int:
    if isinstance(part, int):
        return part & 0xFFFFFFFF
    digest = hashlib.sha256(str(part).encode()).digest()
    return int.from_bytes(digest[:4], "little")


def derive_seed(seed: int, *purpose: object) -> int:
    """A 63-bit seed derived from `seed` and a purpose path (strings or ints)."""
    entropy = [_key(seed), _key(seed >> 32)] + [_key(p) for p in purpose]
    lo, hi = (int(v) for v in np.random.SeedSequence(entropy).generate_state(2, np.uint32))
    return (lo | (hi << 32)) & 0x7FFFFFFFFFFFFFFF


def torch_generator(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch.Generator seeded with `seed` on `device`."""
    g = torch.Generator(device=device)
    g.manual_seed(int(seed))
    return g


def as_torch_generator(rng: int | torch.Generator | None) -> torch.Generator:
    """Accept a seed or a generator; refuse None so randomness is always passed explicitly."""
    if isinstance(rng, torch.Generator):
        return rng
    if isinstance(rng, (int, np.integer)):
        return torch_generator(int(rng))
    raise TypeError(f"rng: expected an int seed or a torch.Generator, got {type(rng).__name__}")
