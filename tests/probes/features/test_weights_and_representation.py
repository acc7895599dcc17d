"""Subspace alignment, weight movement, activation sparsity, effective rank: exact tiny cases."""

import math

import numpy as np
import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.probes.features import (
    activation_sparsity,
    effective_rank,
    subspace_alignment,
    weight_movement,
)


def test_alignment_is_the_share_of_squared_weight_on_the_support():
    w = torch.tensor([[[3.0, 4.0, 0.0], [0.0, 0.0, 2.0]]])   # 1 member, 2 neurons, d = 3
    basis = torch.tensor([[1.0, 0.0, 0.0]])                  # S = {0}
    result = subspace_alignment(w, basis)
    assert result.per_neuron[0].tolist() == pytest.approx([9 / 25, 0.0])
    assert result.mass_share[0] == pytest.approx(9 / 29)
    assert result.chance == pytest.approx(1 / 3)


def test_alignment_of_a_rotated_subspace_and_of_random_weights():
    u = torch.tensor([[1.0, 1.0, 0.0, 0.0]]) / math.sqrt(2)
    aligned = torch.tensor([[2.0, 2.0, 0.0, 0.0], [-1.0, -1.0, 0.0, 0.0]])
    assert subspace_alignment(aligned, u).mass_share == pytest.approx(1.0)
    rand = torch.randn(20000, 4, generator=torch.Generator().manual_seed(0))
    share = float(subspace_alignment(rand, u).mass_share)
    assert abs(share - 0.25) < 0.02                          # chance level r/d
    with pytest.raises(SpecError, match="orthonormal"):
        subspace_alignment(aligned, 2 * u)


def test_weight_movement_l1_l2_relative():
    init = [torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.tensor([[0.0], [2.0]])]
    now = [torch.tensor([[4.0, 4.0], [0.0, 1.0]]), torch.tensor([[0.0], [2.0]])]
    move = weight_movement(now, init)
    assert move.l2.tolist() == pytest.approx([5.0, 1.0])
    assert move.l1.tolist() == pytest.approx([7.0, 1.0])
    assert move.relative_l2.tolist() == pytest.approx([5.0, 0.5])


def test_activation_sparsity():
    h = torch.tensor([[[0.0, 1.0, 0.0], [0.0, 2.0, 3.0]]])
    result = activation_sparsity(h)
    assert result.zero_fraction[0] == pytest.approx(0.5)
    assert result.dead_fraction[0] == pytest.approx(1 / 3)


def test_effective_rank_exact_values():
    assert effective_rank(torch.eye(5)) == pytest.approx(5.0)
    assert effective_rank(torch.outer(torch.arange(1.0, 4), torch.ones(4))) == pytest.approx(1.0)
    p = np.array([0.75, 0.25])
    expected = math.exp(-(p * np.log(p)).sum())
    assert effective_rank(torch.diag(torch.tensor([3.0, 1.0, 0.0]))) == pytest.approx(expected)
    batched = effective_rank(torch.stack([torch.eye(3), torch.diag(torch.tensor([1., 1., 0.]))]))
    assert batched.tolist() == pytest.approx([3.0, 2.0])
