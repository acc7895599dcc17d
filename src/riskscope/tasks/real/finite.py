"""Shared machinery of finite (real) data sets: a fixed train/test split and draws from the pool.

A finite task holds a training pool and a held-out test part fixed by `split_seed`. `sample(n,
rng)` draws n distinct training examples uniformly without replacement (a random subset of the
pool, in random order); the held-out part stands for the population in `population_risk`
(method "held-out"). There is no ground truth: `bayes_risk()` is None.
"""

from __future__ import annotations

from numbers import Integral

import torch

from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.tasks.base import Dataset, Task


def split_indices(size: int, test_fraction: float, split_seed: int,
                  field: str = "test_fraction") -> tuple[torch.Tensor, torch.Tensor]:
    """A random (train, test) partition of range(size); both parts non-empty."""
    n_test = round(test_fraction * size)
    if n_test < 1 or n_test > size - 1:
        raise SpecError(field, test_fraction,
                        f"a fraction leaving at least one example on each side of {size}")
    order = torch.randperm(size, generator=torch_generator(derive_seed(split_seed, "split")))
    return order[n_test:], order[:n_test]


class FiniteTask(Task):
    """A task whose samples come from a fixed pool; subclasses call `_set_data`."""

    has_ground_truth = False
    finite = True

    def _set_data(self, train: Dataset, test: Dataset) -> None:
        self.train_pool = train
        self.test_set = test
        self.input_dim = int(train.x.shape[1])
        if self.kind == "classification":
            self.num_classes = int(max(train.y.max(), test.y.max())) + 1
            self.output_dim = self.num_classes
        else:
            self.output_dim = int(train.y.shape[1])

    @property
    def pool_size(self) -> int:
        return len(self.train_pool)

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        """n distinct examples from the training pool, drawn without replacement with `rng`."""
        if isinstance(n, bool) or not isinstance(n, Integral) or not 0 <= n <= self.pool_size:
            raise SpecError("n", n, f"an integer in [0, {self.pool_size}] (the training pool "
                            f"of {self.name})")
        index = torch.randperm(self.pool_size, generator=rng)[:n]
        return self.train_pool.subset(index)

    def holdout(self) -> Dataset:
        return self.test_set

    def bayes_risk(self) -> None:
        return None
