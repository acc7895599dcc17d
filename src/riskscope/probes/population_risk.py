"""Population risk of every ensemble member, with a confidence interval per member.

R(f) = E ℓ(f(x), y) under the task's distribution. Exact where the task has a closed form;
otherwise the mean pointwise loss on n fresh samples (shared by all members: one batched
forward) with a Student-t interval; for finite data sets the held-out set stands in for the
population (method "held-out").
"""

from __future__ import annotations

import torch

from riskscope.core.estimate import Estimate
from riskscope.tasks.base import Metric, Task, pointwise_loss


@torch.no_grad()
def ensemble_population_risk(task: Task, ensemble, n: int, generator: torch.Generator,
                             metric: Metric | None = None, confidence: float = 0.95,
                             batch_size: int = 16384) -> list[Estimate]:
    metric = metric or task.default_metric
    device = ensemble.stacked_parameters()[0].device
    if task.exact_risk(ensemble.member(0), metric) is not None:
        return [task.exact_risk(ensemble.member(i), metric) for i in range(ensemble.num_members)]
    if task.finite:
        data = task.holdout()
        chunks = [(data.x[i:i + batch_size], data.y[i:i + batch_size])
                  for i in range(0, len(data), batch_size)]
        method = "held-out"
    else:
        chunks = []
        for i in range(0, n, batch_size):
            sample = task.sample(min(batch_size, n - i), generator)
            chunks.append((sample.x, sample.y))
        method = "monte-carlo"
    losses = torch.cat([pointwise_loss(metric, ensemble(x.to(device)), y.to(device))
                        for x, y in chunks], dim=-1)
    losses = losses.double().cpu().numpy()
    return [Estimate.from_samples(row, method=method, confidence=confidence) for row in losses]
