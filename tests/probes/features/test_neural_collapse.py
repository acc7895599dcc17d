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


def rotated_simplex(c: int, p: int, radius: float, seed: int = 0):
    """C centred means forming a simplex ETF of norm `radius` in R^p (p ≥ C), randomly
    rotated, and an orthonormal basis [C−1, p] of their span."""
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(p, c, dtype=torch.float64, generator=g))
    etf = (torch.eye(c, dtype=torch.float64) - 1 / c) * math.sqrt(c / (c - 1))  # unit rows
    centred = radius * etf @ q.T                                             # [C, p]
    basis = torch.linalg.svd(centred, full_matrices=False)[2][: c - 1]
    return centred, basis


@pytest.mark.parametrize("c", [3, 10])
def test_a_rotated_shifted_simplex_etf_has_nc2_zero_and_nc1_of_its_within_class_spread(c):
    """Means μ_c = μ_G + m_c with (m_c) a simplex ETF of norm r; each class has the 2(C−1)
    examples μ_c ± s·b_j over an orthonormal basis (b_j) of the means' span. Then
    Σ_W = s²/(C−1)·P and Σ_B = r²/(C−1)·P (P the projector on the span), so
    NC1 = Tr(Σ_W Σ_B^†)/C = s²(C−1)/(r²C), and every NC2 measure is 0."""
    p, r, s = 16, 2.5, 0.3
    centred, basis = rotated_simplex(c, p, r)
    offset = torch.linspace(-1, 1, p, dtype=torch.float64)       # a global mean μ_G ≠ 0
    deviations = torch.cat([s * basis, -s * basis])              # [2(C−1), p]
    features = (offset + centred).repeat_interleave(len(deviations), 0) + deviations.repeat(c, 1)
    labels = torch.arange(c).repeat_interleave(len(deviations))
    weight = 3 * centred
    # bias −W μ_G: the classifier is then the nearest-centre rule (NC4 = 0), as at collapse
    result = neural_collapse(features, labels, weight, -weight @ offset, c)
    assert result.nc1 == pytest.approx(s**2 * (c - 1) / (r**2 * c), rel=1e-10)
    for name in ("nc2_equinorm", "nc2_equiangular", "nc2_cosine_std",
                 "nc2_classifier_equinorm", "nc3", "nc4"):
        assert getattr(result, name) == pytest.approx(0.0, abs=1e-10), name


def test_nc2_spread_and_norm_measures_of_a_stretched_simplex():
    """A simplex whose vertices are stretched unequally (norms 1, 1, 2, 2 before
    re-centring): unequal norms and unequal cosines, each measure equal to its definition
    computed by hand; classifier rows of norms 1, 3, 1, 3 give std/mean = 1/2."""
    c = 4
    centred, _ = rotated_simplex(c, 6, 1.0)
    scale = torch.tensor([1.0, 1.0, 2.0, 2.0], dtype=torch.float64)
    means = centred * scale.unsqueeze(1)
    means = means - means.mean(0)
    labels = torch.arange(c)
    weight = torch.diag(torch.tensor([1.0, 3.0, 1.0, 3.0], dtype=torch.float64)) @ centred
    result = neural_collapse(means, labels, weight, None, c)
    norms = means.norm(dim=1)
    unit = means / norms.unsqueeze(1)
    cos = (unit @ unit.T)[~torch.eye(c, dtype=torch.bool)]
    assert result.nc2_equinorm == pytest.approx(float(norms.std(unbiased=False) / norms.mean()))
    assert result.nc2_cosine_std == pytest.approx(float(cos.std(unbiased=False)))
    assert result.nc2_cosine_std > 0.05
    assert result.nc2_classifier_equinorm == pytest.approx(0.5)   # norms 1, 3, 1, 3
