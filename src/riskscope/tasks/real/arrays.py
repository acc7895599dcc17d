"""User data from a file (`arrays`): a .npz (x, y[, x_test, y_test]) or a .csv (label last).

kind "regression": y becomes float32 [n, k] (a 1-D y gives k = 1), squared error.
kind "classification": y must hold non-negative integers (class indices), int64 [n]; the number
of classes is max(y) + 1 over both parts. Features are float32 [n, d].
The file's x_test/y_test is the held-out set; without it a `test_fraction` of the rows, chosen by
`split_seed`, is held out. `finite` is True; no ground truth. The file is read and checked when
the task is built, so a bad file fails before any training (see `array_files`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from pydantic import Field

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset
from riskscope.tasks.real.array_files import read_arrays
from riskscope.tasks.real.finite import FiniteTask, split_indices
from riskscope.tasks.registry import register_task


class ArraysParams(Params):
    path: str = Field(min_length=1)
    kind: Literal["regression", "classification"]
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    split_seed: int = Field(0, ge=0)


def _labels(y: np.ndarray, kind: str, path: str, part: str) -> torch.Tensor:
    if kind == "regression":
        return torch.tensor(y.reshape(len(y), -1), dtype=torch.float32)
    if y.ndim != 1 or (y < 0).any() or (y != np.round(y)).any():
        raise SpecError("path", path, "class labels that are non-negative integers",
                        f"{part} holds other values (kind = 'classification')")
    return torch.tensor(y, dtype=torch.int64)


@register_task
class Arrays(FiniteTask):
    """A user's arrays from .npz or .csv, with a held-out part."""

    name = "arrays"
    kind = "regression"  # the class default; each instance takes params.kind
    Params = ArraysParams
    description = "user data from .npz (x, y[, x_test, y_test]) or .csv (label last)"

    def __init__(self, params: ArraysParams):
        super().__init__(params)
        self.kind = params.kind
        arrays = read_arrays(params.path)
        x = torch.tensor(arrays["x"], dtype=torch.float32)
        y = _labels(arrays["y"], params.kind, params.path, "y")
        if "x_test" in arrays:
            train = Dataset(x, y)
            test = Dataset(torch.tensor(arrays["x_test"], dtype=torch.float32),
                           _labels(arrays["y_test"], params.kind, params.path, "y_test"))
        else:
            train_index, test_index = split_indices(len(x), params.test_fraction,
                                                    params.split_seed)
            train, test = Dataset(x, y).subset(train_index), Dataset(x, y).subset(test_index)
        self._set_data(train, test)
