"""Measure a model without changing it: eval mode for the duration, and buffers left as found.

Batch norm in train mode normalizes with the batch's statistics and updates its running
statistics on every forward; a measurement must do neither to the model it measures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn


@contextmanager
def evaluation_mode(module: nn.Module) -> Iterator[nn.Module]:
    """`module` in eval mode inside the block; each submodule's own mode restored after."""
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield module
    finally:
        module.train(modes[0][1])  # an ensemble's train() also sets modules outside its tree
        for m, mode in modes:
            m.training = mode


@contextmanager
def buffers_preserved(module: nn.Module) -> Iterator[nn.Module]:
    """Whatever the block does, `module`'s buffers (running statistics, counters) come back
    unchanged: inside the block each buffer is a copy, and the originals are put back after
    (swapped, not copied into, so an autograd graph built inside keeps valid tensors)."""
    saved = []
    for m in module.modules():
        for name, b in list(m._buffers.items()):
            if b is not None:
                saved.append((m, name, b))
                m._buffers[name] = b.clone()
    try:
        yield module
    finally:
        for m, name, b in saved:
            m._buffers[name] = b
