"""The scikit-learn handwritten digits (`digits`): 1797 8×8 images, 10 classes.

Data: `sklearn.datasets.load_digits` (the UCI optical recognition of handwritten digits test
set; Alpaydin & Kaynak 1998), shipped with scikit-learn, so nothing is downloaded. Features are
the 64 pixel counts divided by 16, in [0, 1], float32; labels int64 in 0..9. A fixed held-out
part (`test_fraction` of the 1797 images, chosen by `split_seed`) stands for the population; the
rest is the pool `sample` draws from without replacement. No ground truth.
"""

from __future__ import annotations

from functools import cache

import torch
from pydantic import Field

from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset
from riskscope.tasks.real.finite import FiniteTask, split_indices
from riskscope.tasks.registry import register_task


class DigitsParams(Params):
    test_fraction: float = Field(0.25, gt=0.0, lt=1.0)
    split_seed: int = Field(0, ge=0)


@cache
def _load_digits() -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    data = load_digits()
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)
    y = torch.tensor(data.target, dtype=torch.int64)
    return x, y


@register_task
class Digits(FiniteTask):
    """scikit-learn digits, pixels / 16, fixed held-out split."""

    name = "digits"
    kind = "classification"
    Params = DigitsParams
    description = "scikit-learn 8x8 digits (1797 images, 10 classes), fixed held-out split"

    def __init__(self, params: DigitsParams):
        super().__init__(params)
        x, y = _load_digits()
        train, test = split_indices(len(y), params.test_fraction, params.split_seed)
        self._set_data(Dataset(x[train], y[train]), Dataset(x[test], y[test]))
