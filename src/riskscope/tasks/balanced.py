"""Class-balanced training sets: n/C examples of each of the C classes of a classification task.

Papyan, Han & Donoho 2020 observe neural collapse on balanced data sets (they subsample the
imbalanced ones to equal class counts), and their global mean μ_G is then the mean of the class
means. `class_balanced_sample(task, n, rng)` draws examples from the task in the order
`task.sample` gives them and keeps the first n/C of each class:

- a finite task (`task.finite`, a fixed pool) is drawn whole, in random order, once: the
  result is n distinct pool examples, uniform among the balanced subsets; a class with fewer
  than n/C pool examples is a SpecError naming `data.n_train` and the largest n allowed;
- a generative task is drawn in rounds of n until every class has n/C (at most `max_rounds`).
The examples are returned in the order drawn (classes interleaved), so a prefix is not sorted
by class.
"""

from __future__ import annotations

import torch

from riskscope.core.errors import SpecError
from riskscope.tasks.base import Dataset, Task

__all__ = ["class_balanced_sample"]


def _first_per_class(y: torch.Tensor, per: int, classes: int) -> torch.Tensor:
    """Indices of the first `per` examples of each class, in their original order."""
    keep = torch.zeros_like(y, dtype=torch.bool)
    for c in range(classes):
        keep[torch.nonzero(y == c).flatten()[:per]] = True
    return torch.nonzero(keep).flatten()


def class_balanced_sample(task: Task, n: int, rng: torch.Generator, max_rounds: int = 50
                          ) -> Dataset:
    """n examples of `task`, n/C of each class (see the module docstring)."""
    if task.kind != "classification":
        raise SpecError("task", task.name, "a classification task (class-balanced sampling)")
    classes = int(task.output_dim)
    if n < classes or n % classes:
        raise SpecError("data.n_train", n, f"a positive multiple of the {classes} classes of "
                        f"{task.name} (class-balanced training set)")
    per = n // classes
    if getattr(task, "finite", False):
        pool = task.sample(task.pool_size, rng)
        counts = torch.bincount(pool.y, minlength=classes)
        if int(counts.min()) < per:
            raise SpecError("data.n_train", n, f"at most {classes * int(counts.min())}: the "
                            f"rarest class of {task.name}'s training pool has "
                            f"{int(counts.min())} examples")
        return pool.subset(_first_per_class(pool.y, per, classes))
    drawn: list[Dataset] = []
    for _ in range(max_rounds):
        drawn.append(task.sample(n, rng))
        y = torch.cat([d.y for d in drawn])
        if int(torch.bincount(y, minlength=classes).min()) >= per:
            x = torch.cat([d.x for d in drawn])
            index = _first_per_class(y, per, classes)
            return Dataset(x[index], y[index])
    raise SpecError("data.n_train", n, f"a size whose classes {task.name} fills within "
                    f"{max_rounds} rounds of {n} samples (one class is too rare)")
