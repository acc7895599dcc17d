"""Population risk of every ensemble member, with a confidence interval per member.

R(f) = E ℓ(f(x), y) under the task's distribution. Exact where the task has a closed form;
otherwise the mean pointwise loss on n fresh samples (shared by all members: one batched
forward) with a Student-t interval; for finite data sets the held-out set stands in for the
population (method "held-out"). The sample is `tasks.base.population_losses`, shared with
`Task.population_risk` (label-noise tasks: clean labels in both). Measured in eval mode with
the members' buffers untouched (batch norm: running statistics, not updated).
"""

from __future__ import annotations

import torch

from riskscope.core.estimate import Estimate
from riskscope.models.modes import evaluation_mode
from riskscope.tasks.base import Metric, Task, population_losses


@torch.no_grad()
def ensemble_population_risk(task: Task, ensemble, n: int, generator: torch.Generator,
                             metric: Metric | None = None, confidence: float = 0.95,
                             batch_size: int = 16384) -> list[Estimate]:
    with evaluation_mode(ensemble):
        return _population_risk(task, ensemble, n, generator, metric, confidence, batch_size)


def _population_risk(task, ensemble, n, generator, metric, confidence, batch_size):
    metric = metric or task.default_metric
    device = ensemble.stacked_parameters()[0].device
    if task.exact_risk(ensemble.member(0), metric) is not None:
        return [task.exact_risk(ensemble.member(i), metric) for i in range(ensemble.num_members)]
    losses, method = population_losses(task, ensemble, n, generator, metric, batch_size,
                                       device=device)
    losses = losses.double().cpu().numpy()
    return [Estimate.from_samples(row, method=method, confidence=confidence) for row in losses]
