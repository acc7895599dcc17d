"""Label-noise wrapper (`label-noise`): a classification task whose training labels are
randomized with probability `noise_fraction` (Zhang, Bengio, Hardt, Recht & Vinyals 2017,
"Understanding deep learning requires rethinking generalization").

A corrupted label is a class drawn uniformly from all C classes (it can coincide with the true
one, as in Zhang et al.: the expected fraction of changed labels is p(1 − 1/C)); noise_fraction
1 gives fully random labels.
- Finite base (digits, user arrays): the corruption is FIXED per pool example (chosen once by
  `noise_seed`: a random subset of round(p · pool) examples gets random labels), so a network
  must memorize the random labels, as in Zhang et al.; `sample` draws from the corrupted pool.
- Infinite base (MNIST-1D, teacher-student): each drawn example's label is corrupted
  independently with probability p (the noisy distribution).
`sample` gives training data (noisy labels). `holdout`, `clean_sample`, `population_sample`
(hence `population_risk` and the ensemble probe) measure against CLEAN labels (the test error
of Zhang et al.); no Bayes risk is reported.
"""

from __future__ import annotations

from typing import Any

import torch
from pydantic import Field

from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset, Metric, Predictor, Task
from riskscope.tasks.registry import make_task, register_task


class LabelNoiseParams(Params):
    base: str = Field("digits", description="the wrapped classification task's name")
    base_params: dict[str, Any] = Field(default_factory=dict)
    noise_fraction: float = Field(0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    noise_seed: int = Field(0, ge=0)


@register_task
class LabelNoise(Task):
    """A classification task with a fraction of its training labels replaced by random ones."""

    name = "label-noise"
    kind = "classification"
    Params = LabelNoiseParams
    description = "a classification task with a fraction of random training labels (Zhang 2017)"
    has_ground_truth = False

    def __init__(self, params: LabelNoiseParams):
        super().__init__(params)
        if params.base == self.name:
            raise SpecError("task.base", params.base, "another task than label-noise")
        self.base = make_task(params.base, dict(params.base_params), field="task.base_params")
        if self.base.kind != "classification":
            raise SpecError("task.base", params.base, "a classification task")
        self.input_dim = self.base.input_dim
        self.output_dim = self.num_classes = self.base.output_dim
        self.finite = self.base.finite
        if self.finite:
            pool = self.base.train_pool
            gen = torch_generator(derive_seed(params.noise_seed, "label-noise"))
            chosen = torch.randperm(len(pool), generator=gen)[:round(params.noise_fraction
                                                                     * len(pool))]
            labels = pool.y.clone()
            labels[chosen] = torch.randint(0, self.num_classes, (len(chosen),), generator=gen)
            self.train_pool = Dataset(pool.x, labels)
            self.corrupted = torch.zeros(len(pool), dtype=torch.bool)
            self.corrupted[chosen] = True

    @property
    def pool_size(self) -> int:
        if not self.finite:
            raise AttributeError("pool_size")
        return len(self.train_pool)

    @property
    def changed_fraction(self) -> float:
        """Fraction of pool labels that differ from the clean ones (finite bases)."""
        return float((self.train_pool.y != self.base.train_pool.y).double().mean())

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        if self.finite:
            if not 0 <= n <= self.pool_size:
                raise SpecError("n", n, f"an integer in [0, {self.pool_size}]")
            return self.train_pool.subset(torch.randperm(self.pool_size, generator=rng)[:n])
        data = self.base.sample(n, rng)
        flip = torch.rand(n, generator=rng) < self.params.noise_fraction
        random = torch.randint(0, self.num_classes, (n,), generator=rng)
        return Dataset(data.x, torch.where(flip, random, data.y))

    def clean_sample(self, n: int, rng: torch.Generator) -> Dataset:
        """Examples with their clean labels (infinite bases)."""
        return self.base.sample(n, rng)

    def holdout(self) -> Dataset | None:
        return self.base.holdout()

    def population_sample(self, n: int, rng: torch.Generator) -> Dataset:
        """The population risk is measured against the clean labels (the base task's)."""
        return self.base.population_sample(n, rng)

    def exact_risk(self, predict: Predictor, metric: Metric | None = None) -> Estimate | None:
        return self.base.exact_risk(predict, metric)
