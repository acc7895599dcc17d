"""Where training batches come from: a fixed training set or a fresh-sample stream.

A fixed set is shared by all members (x [n, d]) or per member (x [M, n, d], when members were
given different data seeds). Mini-batches are drawn without replacement within an epoch, in a
per-member order from that member's own generator, so a member's batches do not depend on
which other members it was grouped with. The online stream is shared: every member sees the
same fresh batch at each step (members that share a stream differ by initialization only).
`FixedBatches.one_model(data, batch_size, seed)`: the batches of one plain model (inputs of
any shape [n, ...], batches [B, ...] without a member dimension), from the same epoch-wise
shuffled order of one generator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator
from riskscope.tasks.base import Dataset


class FixedBatches:
    """Full batch (batch_size 0) or shuffled mini-batches of a fixed training set."""

    online = False

    def __init__(self, data: Dataset, num_members: int, batch_size: int,
                 batch_seeds: Sequence[int], *, member_dim: bool = True):
        self.data = data
        self.num_members = num_members
        self.member_dim = member_dim
        self.per_member = member_dim and data.x.dim() == 3
        n = data.x.shape[-2] if member_dim else data.x.shape[0]
        if batch_size > n:
            raise SpecError("training.batch_size", batch_size,
                            f"at most the number of training samples ({n})")
        self.n = n
        self.batch_size = batch_size
        self.generators = [torch_generator(s) for s in batch_seeds]
        self._order: torch.Tensor | None = None
        self._pos = 0
        self._rows = torch.arange(num_members, device=data.x.device).unsqueeze(1)

    @classmethod
    def one_model(cls, data: Dataset, batch_size: int, seed: int) -> FixedBatches:
        """One model's mini-batches of `batch_size` (at most len(data); 0 = full batch)
        drawn in the epoch-wise order of the generator seeded by `seed`: x [B, ...]."""
        return cls(data, 1, batch_size, [seed], member_dim=False)

    @property
    def full_batch(self) -> bool:
        return self.batch_size == 0

    def next(self) -> Dataset:
        if self.full_batch:
            return self.data
        if self._order is None or self._pos + self.batch_size > self.n:
            self._order = torch.stack([torch.randperm(self.n, generator=g)
                                       for g in self.generators]).to(self.data.x.device)
            self._pos = 0
        idx = self._order[:, self._pos:self._pos + self.batch_size]
        self._pos += self.batch_size
        if not self.member_dim:
            idx = idx[0]
            return Dataset(self.data.x[idx], self.data.y[idx])
        if self.per_member:
            return Dataset(self.data.x[self._rows, idx], self.data.y[self._rows, idx])
        return Dataset(self.data.x[idx], self.data.y[idx])


class OnlineBatches:
    """A fresh batch from the task at every step, shared by all members."""

    online = True
    full_batch = False

    def __init__(self, sampler: Callable[[int, torch.Generator], Dataset], batch_size: int,
                 seed: int, device: torch.device):
        self.sampler = sampler
        self.batch_size = batch_size
        self.generator = torch_generator(seed)
        self.device = device
        self.data = None

    def next(self) -> Dataset:
        return self.sampler(self.batch_size, self.generator).to(self.device)
