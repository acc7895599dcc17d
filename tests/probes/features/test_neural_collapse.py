"""NC1–NC4 on constructed collapsed and uncollapsed features, against hand computations."""

import math

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.probes.features import neural_collapse


def simplex_means(c: int) -> torch.Tensor:
    angles = torch.arange(c, dtype=torch.float64) * 2 * math.pi / c
    return torch.stack([angles.cos(), angles.sin()], 1)


def test_collapsed_features_score_zero_on_every_measure():
    means = 3 * simplex_means(3)                   # a simplex ETF in R^2
    labels = torch.arange(3).repeat(4)
    features = means[labels]                       # every feature at its class mean
    result = neural_collapse(features, labels, 2 * means, torch.zeros(3), 3)
    for value in result.to_dict().values():
        assert value == pytest.approx(0.0, abs=1e-12)


def test_nc1_of_within_class_spread_along_the_class_means():
    a = 0.3
    features = torch.tensor([[-1 - a, 0.0], [-1 + a, 0.0], [1 - a, 0.0], [1 + a, 0.0]])
    labels = torch.tensor([0, 0, 1, 1])
    # Σ_W = diag(a², 0), Σ_B = diag(1, 0): NC1 = a² / C
    result = neural_collapse(features, labels, torch.tensor([[-1.0, 0.0], [1.0, 0.0]]), None, 2)
    assert result.nc1 == pytest.approx(a**2 / 2)
    # spread orthogonal to the between-class directions is invisible to NC1
    ortho = torch.tensor([[-1, a], [-1, -a], [1, a], [1, -a]], dtype=torch.float64)
    assert neural_collapse(ortho, labels, torch.eye(2), None, 2).nc1 == pytest.approx(0.0)


def test_nc2_nc3_nc4_of_unequal_means():
    means = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    labels = torch.tensor([0, 1, 2])
    # centred means (2/3, −1/3), (−1/3, 2/3), (−1/3, −1/3): norms √5/3, √5/3, √2/3
    norms = torch.tensor([math.sqrt(5), math.sqrt(5), math.sqrt(2)]) / 3
    cos01, cos02 = -4 / 5, -1 / math.sqrt(10)
    weight = means - means.mean(0)
    result = neural_collapse(means, labels, weight, None, 3)
    assert result.nc2_equinorm == pytest.approx(float(norms.std(unbiased=False) / norms.mean()))
    assert result.nc2_equiangular == pytest.approx(
        (abs(cos01 + 0.5) + 2 * abs(cos02 + 0.5)) / 3)
    assert result.nc3 == pytest.approx(0.0, abs=1e-12)
    # a classifier that always says class 0 disagrees with the nearest centre on 2 of 3
    constant = neural_collapse(means, labels, torch.zeros(3, 2), torch.tensor([1.0, 0, 0]), 3)
    assert constant.nc4 == pytest.approx(2 / 3)
    flipped = neural_collapse(means, labels, -weight, None, 3)
    assert flipped.nc3 == pytest.approx(4.0)   # ‖−u − u‖² for a unit-norm u


def test_missing_class_is_a_spec_error():
    with pytest.raises(SpecError, match="labels"):
        neural_collapse(torch.zeros(2, 2), torch.tensor([0, 0]), torch.zeros(2, 2), None, 2)
