"""Label noise: exact count, always wrong, training set only; bias–variance identity."""

import pytest
import torch

from riskscope.analyses.dynamics.bias_variance import bias_variance, peak_location
from riskscope.analyses.dynamics.label_noise import corrupt_labels
from riskscope.core.errors import SpecError


def test_exactly_the_requested_labels_are_wrong():
    y = torch.randint(0, 10, (200,), generator=torch.Generator().manual_seed(0))
    noisy, mask = corrupt_labels(y, 10, 0.15, torch.Generator().manual_seed(1))
    assert int(mask.sum()) == 30
    assert (noisy[mask] != y[mask]).all() and (noisy[~mask] == y[~mask]).all()
    assert ((noisy >= 0) & (noisy < 10)).all()
    again, _ = corrupt_labels(y, 10, 0.15, torch.Generator().manual_seed(1))
    assert torch.equal(noisy, again)


def test_wrong_labels_are_uniform_over_the_other_classes():
    y = torch.zeros(30_000, dtype=torch.int64)
    noisy, _ = corrupt_labels(y, 4, 1.0, torch.Generator().manual_seed(2))
    counts = torch.bincount(noisy, minlength=4).double() / len(y)
    assert counts[0] == 0
    torch.testing.assert_close(counts[1:], torch.full((3,), 1 / 3, dtype=torch.float64),
                               atol=0.015, rtol=0)


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan")])
def test_rates_outside_the_unit_interval_are_refused(rate):
    with pytest.raises(SpecError) as err:
        corrupt_labels(torch.zeros(3, dtype=torch.int64), 2, rate, torch.Generator())
    assert err.value.field == "options.label_noise" and "[0, 1]" in str(err.value)


def test_bias_plus_variance_is_the_mean_risk():
    g = torch.Generator().manual_seed(3)
    predictions, target = torch.randn(5, 40, 3, generator=g), torch.randn(40, 3, generator=g)
    parts = bias_variance(predictions, target)
    assert parts["bias2"] + parts["variance"] == pytest.approx(parts["risk"], rel=1e-12)
    same = bias_variance(predictions[:1].expand(4, -1, -1), target)
    assert same["variance"] == 0


def test_peak_location():
    assert peak_location([1, 2, 4, 8], [0.3, 0.5, 0.2, 0.1]) == 2
