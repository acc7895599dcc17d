"""The Task interface: a data-generating process with its ground truth.

A task draws labelled samples with `sample(n, rng)`, names its loss, and where known gives the
Bayes risk (the smallest achievable risk under its default metric) and other ground truth
(the teacher, the relevant coordinates). Real data sets are tasks too, flagged as having no
ground truth (`has_ground_truth = False`, `bayes_risk()` returns None).

Conventions (stated once, used everywhere):
- regression: targets `y` are float [n, output_dim]; the default metric is the squared error
  summed over outputs and averaged over examples, so additive N(0, σ²) noise on each of
  `output_dim` outputs has Bayes risk output_dim·σ².
- classification: targets `y` are int64 [n] class indices in [0, num_classes); the default
  metric is the 0-1 error; `output_dim` is the number of classes (logits).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

import torch

from riskscope.core.estimate import Estimate
from riskscope.core.validation import Params

Predictor = Callable[[torch.Tensor], torch.Tensor]
Metric = Literal["squared_error", "zero_one", "cross_entropy", "hinge"]


@dataclass(frozen=True)
class Dataset:
    """Labelled samples. x: float32 [n, input_dim]; y: see the module docstring."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def to(self, device: torch.device | str) -> Dataset:
        return Dataset(self.x.to(device), self.y.to(device))

    def subset(self, index: torch.Tensor | slice) -> Dataset:
        return Dataset(self.x[index], self.y[index])


def pointwise_loss(metric: Metric, output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-example loss [..., n] of `output` [..., n, out] against targets `y`.

    Leading batch dimensions (ensemble members) broadcast: `y` is [n, ...] or [M, n, ...].
    "hinge" is for two-logit classifiers (targets 0/1): with the margin m = (2y − 1)(z₁ − z₀)
    of the logit difference, the loss is max(0, 1 − m) — the hinge on a scalar score
    f = z₁ − z₀ and labels ±1 as in Barak et al. (2022); its subgradient at m = 1 is taken as 0.
    """
    if metric == "squared_error":
        return (output - y).pow(2).sum(-1)
    if metric == "zero_one":
        return (output.argmax(-1) != y).to(output.dtype)
    if metric == "cross_entropy":
        logp = torch.log_softmax(output, dim=-1)
        target = y.expand(output.shape[:-1]) if y.dim() < output.dim() - 1 else y
        return -logp.gather(-1, target.unsqueeze(-1)).squeeze(-1)
    if metric == "hinge":
        if output.shape[-1] != 2:
            raise ValueError(f"the hinge loss needs two logits; got {output.shape[-1]} outputs")
        sign = 2 * y.to(output.dtype) - 1
        return torch.relu(1 - sign * (output[..., 1] - output[..., 0]))
    raise ValueError(f"unknown metric {metric!r}")


class Task(ABC):
    """A learning problem. Subclasses set the class attributes and implement `sample`."""

    #: registry name, e.g. "teacher-student-regression"
    name: ClassVar[str]
    #: "regression" or "classification"
    kind: ClassVar[Literal["regression", "classification"]]
    #: pydantic parameter model used to validate specs before anything runs
    Params: ClassVar[type[Params]]
    #: one line for `riskscope studies`/docs
    description: ClassVar[str] = ""
    #: False for real data sets: no Bayes risk, no target function
    has_ground_truth: ClassVar[bool] = True
    #: True when `sample` draws from a finite pool (real data): population risk is held-out risk
    finite: ClassVar[bool] = False

    input_dim: int
    output_dim: int

    def __init__(self, params: Params):
        self.params = params

    @abstractmethod
    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        """n i.i.d. labelled samples drawn with `rng` (a CPU torch.Generator)."""

    @property
    def default_metric(self) -> Metric:
        return "squared_error" if self.kind == "regression" else "zero_one"

    @property
    def training_loss(self) -> Metric:
        return "squared_error" if self.kind == "regression" else "cross_entropy"

    def bayes_risk(self) -> Estimate | None:
        """The Bayes risk under `default_metric`, or None when unknown (real data)."""
        return None

    def ground_truth(self) -> dict[str, torch.Tensor]:
        """Tensors describing the truth (teacher weights, means, coefficients); may be empty."""
        return {}

    def exact_risk(self, predict: Predictor, metric: Metric | None = None) -> Estimate | None:
        """Closed-form population risk of `predict` where the task supports it, else None."""
        return None

    def holdout(self) -> Dataset | None:
        """For finite tasks: the held-out set that stands for the population."""
        return None

    def population_sample(self, n: int, rng: torch.Generator) -> Dataset:
        """Fresh examples of the distribution the population risk is measured on: `sample`
        unless the task trains on something else (label-noise: the clean labels)."""
        return self.sample(n, rng)

    @torch.no_grad()
    def population_risk(self, predict: Predictor, n: int, rng: torch.Generator,
                        metric: Metric | None = None, confidence: float = 0.95,
                        batch_size: int = 65536) -> Estimate:
        """Risk of `predict` on the population.

        Exact when `exact_risk` has a closed form; otherwise the mean loss on `n` fresh samples
        (finite tasks: the held-out set) with a Student-t confidence interval; the losses come
        from `population_losses`, which the ensemble probe uses too.
        """
        metric = metric or self.default_metric
        exact = self.exact_risk(predict, metric)
        if exact is not None:
            return exact
        losses, method = population_losses(self, predict, n, rng, metric, batch_size)
        return Estimate.from_samples(losses.double().cpu().numpy(), method=method,
                                     confidence=confidence)

    def describe(self) -> dict:
        """JSON-ready description: name, kind, dimensions and parameters."""
        bayes = self.bayes_risk()
        return {
            "name": self.name,
            "kind": self.kind,
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "has_ground_truth": self.has_ground_truth,
            "bayes_risk": None if bayes is None else bayes.value,
            "params": self.params.model_dump(),
        }


@torch.no_grad()
def population_losses(task: Task, predict: Predictor, n: int, rng: torch.Generator,
                      metric: Metric, batch_size: int, device: torch.device | str | None = None
                      ) -> tuple[torch.Tensor, str]:
    """Pointwise losses [..., N] of `predict` on the task's population and the method name:
    the held-out set for finite tasks ("held-out"), else n fresh `population_sample` draws in
    chunks of `batch_size` ("monte-carlo"). The one definition of a population risk sample:
    `Task.population_risk` and `probes.ensemble_population_risk` both average these."""
    if task.finite:
        data = task.holdout()
        chunks = [data.subset(slice(i, i + batch_size)) for i in range(0, len(data), batch_size)]
        method = "held-out"
    else:
        chunks = [task.population_sample(min(batch_size, n - i), rng)
                  for i in range(0, n, batch_size)]
        method = "monte-carlo"
    losses = []
    for chunk in chunks:
        if device is not None:
            chunk = chunk.to(device)
        losses.append(pointwise_loss(metric, predict(chunk.x), chunk.y))
    return torch.cat(losses, dim=-1), method
