"""Kernel drift, weight movement and the lazy-vs-rich slope fits."""

import numpy as np
import pandas as pd
import pytest
import torch

from riskscope.analyses.curvature import (
    kernel_change,
    lazy_vs_rich_slopes,
    relative_weight_change,
)
from riskscope.core.errors import SpecError

pytestmark = pytest.mark.usefixtures("single_thread")


def test_kernel_change_of_a_rescaled_kernel():
    k = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64)
    change = kernel_change(k, 1.5 * k)
    assert change["relative_ntk_drift"] == pytest.approx(0.5)
    assert change["ntk_correlation"] == pytest.approx(1.0)
    rotated = kernel_change(k, torch.tensor([[1.0, 0.5], [0.5, 2.0]], dtype=torch.float64))
    assert rotated["ntk_correlation"] < 1


def test_relative_weight_change():
    a = [torch.ones(3), torch.zeros(2)]
    b = [torch.ones(3) * 2, torch.ones(2)]
    assert relative_weight_change(a, b) == pytest.approx(np.sqrt(5 / 3))


def _frame(seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for width in (64, 256, 1024, 4096):
        for _ in range(3):
            rows.append({"status": "done", "model.width": width, "model.parameterization": "ntk",
                         "result.relative_ntk_drift": 2 * width**-0.5 * rng.lognormal(0, 0.1),
                         "result.relative_weight_change": width**-0.5 * rng.lognormal(0, 0.1)})
            rows.append({"status": "done", "model.width": width,
                         "model.parameterization": "mean-field",
                         "result.relative_ntk_drift": 0.8 * rng.lognormal(0, 0.1),
                         "result.relative_weight_change": 0.9 * rng.lognormal(0, 0.1)})
    rows.append({"status": "diverged", "model.width": 64, "model.parameterization": "ntk",
                 "result.relative_ntk_drift": np.nan, "result.relative_weight_change": np.nan})
    return pd.DataFrame(rows)


def test_slopes_per_parameterization_recover_the_generating_exponents():
    slopes = lazy_vs_rich_slopes(_frame(), rng=1)
    assert len(slopes) == 4
    ntk = slopes[(slopes.parameterization == "ntk") & (slopes.quantity == "relative_ntk_drift")]
    mf = slopes[(slopes.parameterization == "mean-field")
                & (slopes.quantity == "relative_ntk_drift")]
    assert ntk.slope_ci_low.item() <= -0.5 <= ntk.slope_ci_high.item()
    assert mf.slope_ci_low.item() <= 0.0 <= mf.slope_ci_high.item()
    assert int(ntk.n_points.item()) == 12 and int(ntk.n_widths.item()) == 4


def test_slopes_need_the_study_columns():
    with pytest.raises(SpecError, match="trials"):
        lazy_vs_rich_slopes(pd.DataFrame({"model.width": [1, 2]}))
