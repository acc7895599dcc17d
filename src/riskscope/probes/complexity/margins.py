"""Output margins of a classifier: the true class's logit minus the largest other logit,

    margin(x, y) = f(x)_y − max_{j ≠ y} f(x)_j,

negative on misclassified examples. The margin of a network, as in Jiang et al. 2020 (and the
margin-normalized bounds), is a low quantile of the training margins: the 10th percentile by
default, which is robust to a few outliers and positive once 90% of the training set is fit.
"""

from __future__ import annotations

import torch
from torch import nn

from riskscope.models.modes import buffers_preserved
from riskscope.tasks.base import Dataset


@torch.no_grad()
def output_margins(model: nn.Module, data: Dataset, batch_size: int = 8192) -> torch.Tensor:
    """Margins [n] (float64) of `model` on every example of `data` (in the model's mode; its
    buffers, e.g. batch-norm statistics, left as they were)."""
    device = next(model.parameters()).device
    out = []
    with buffers_preserved(model):
        return _margins(model, data, batch_size, device, out)


def _margins(model, data, batch_size, device, out) -> torch.Tensor:
    for i in range(0, len(data), batch_size):
        logits = model(data.x[i:i + batch_size].to(device)).double()
        y = data.y[i:i + batch_size].to(device)
        true = logits.gather(1, y[:, None]).squeeze(1)
        others = logits.scatter(1, y[:, None], float("-inf")).amax(1)
        out.append((true - others).cpu())
    return torch.cat(out)


def margin_quantile(model: nn.Module, data: Dataset, quantile: float = 0.1) -> float:
    """The `quantile` of the training margins (10th percentile by default)."""
    return float(torch.quantile(output_margins(model, data), quantile))
