"""Accept the data forms researchers have: a DataLoader, an (x, y) pair, or a riskscope Dataset.

Everything becomes one `Dataset` (x float [n, ...], y int64 class labels [n]) on the CPU, so the
probes and analyses see a single form. A DataLoader is iterated once and its batches
concatenated; each batch must be a pair (x, y) (a tuple or list; extra items are ignored).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from riskscope.core.errors import SpecError
from riskscope.tasks.base import Dataset

_ALLOWED = "a torch DataLoader of (x, y) batches, an (x, y) pair of tensors/arrays, or a Dataset"


def _tensor(value, field: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    raise SpecError(field, type(value).__name__, "a torch tensor or numpy array")


def _pair(x, y, field: str) -> Dataset:
    x, y = _tensor(x, f"{field}[0] (x)"), _tensor(y, f"{field}[1] (y)")
    if x.dim() < 2:
        raise SpecError(f"{field}[0] (x)", tuple(x.shape), "a tensor [n, ...] of inputs")
    if y.dim() != 1 or y.dtype.is_floating_point or y.dtype == torch.bool:
        raise SpecError(f"{field}[1] (y)", f"{y.dtype} tensor of shape {tuple(y.shape)}",
                        "integer class labels of shape [n]")
    if x.shape[0] != y.shape[0]:
        raise SpecError(field, f"x with {x.shape[0]} rows and y with {y.shape[0]}",
                        "x and y with the same number of examples")
    if x.shape[0] == 0:
        raise SpecError(field, "no examples", "at least one example")
    if y.min() < 0:
        raise SpecError(f"{field}[1] (y)", int(y.min()), "class labels >= 0")
    return Dataset(x.float(), y.long())


def as_dataset(data: object, field: str = "data") -> Dataset:
    """`data` as a CPU Dataset of classification examples; SpecError names `field` otherwise."""
    if isinstance(data, Dataset):
        return _pair(data.x, data.y, field)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return _pair(data[0], data[1], field)
    if isinstance(data, torch.utils.data.DataLoader) or (
            isinstance(data, Iterable) and not isinstance(data, (str, bytes, dict, tuple, list))):
        xs, ys = [], []
        for k, batch in enumerate(data):
            if not isinstance(batch, (tuple, list)) or len(batch) < 2:
                raise SpecError(f"{field} (batch {k})", type(batch).__name__,
                                "a batch (x, y), as a tuple or list")
            xs.append(_tensor(batch[0], f"{field} (batch {k}, x)"))
            ys.append(_tensor(batch[1], f"{field} (batch {k}, y)"))
        if not xs:
            raise SpecError(field, "an empty DataLoader", "at least one batch")
        return _pair(torch.cat(xs), torch.cat(ys), field)
    raise SpecError(field, type(data).__name__, _ALLOWED)
