"""The Python API validates like the CLI: clear SpecErrors naming the argument, never a
ZeroDivisionError, a raw torch error or a NaN result."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import riskscope
from riskscope.core.errors import SpecError

_TASK = {"input_dim": 2, "teacher_width": 4, "noise_std": 0.1}


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"n_train": [0]}, "n_train[0]"),
    ({"n_train": []}, "n_train"),
    ({"widths": [8, -1]}, "widths[1]"),
    ({"widths": "8"}, "widths"),
    ({"confidence": 2.0}, "confidence"),
    ({"confidence": float("nan")}, "confidence"),
    ({"init_seeds": 0}, "init_seeds"),
    ({"risk_samples": 1.5}, "risk_samples"),
])
def test_decompose_refuses_bad_arguments_by_name(kwargs, field):
    args = {"widths": [8], "n_train": [16], **kwargs}
    with pytest.raises(SpecError) as info:
        riskscope.decompose("teacher-student-regression", task_params=_TASK, **args)
    assert info.value.field == field


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()


@pytest.mark.parametrize(("x", "y", "match"), [
    (torch.randn(8, 5, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64),
     "x of shape \\(8, 5\\)"),
    (torch.randint(0, 3, (8, 3)), torch.randn(8, 1, dtype=torch.float64), "torch.int64"),
    (torch.full((8, 3), float("nan"), dtype=torch.float64),
     torch.randn(8, 1, dtype=torch.float64), "finite"),
])
def test_hessian_eigenvalues_refuse_data_that_does_not_fit_the_model(x, y, match):
    with pytest.raises(SpecError, match=match) as info:
        riskscope.hessian_top_eigenvalues(_mlp(), (x, y), k=1, loss="squared_error",
                                          check_deterministic=False)
    assert info.value.field == "data"


def test_hessian_eigenvalues_on_fitting_data_still_work():
    x = torch.randn(16, 3, dtype=torch.float64)
    y = torch.randn(16, 1, dtype=torch.float64)
    result = riskscope.hessian_top_eigenvalues(_mlp(), (x, y), k=1, loss="squared_error")
    assert torch.isfinite(torch.as_tensor(result.eigenvalues)).all()
