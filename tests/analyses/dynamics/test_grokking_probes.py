"""Grokking progress measures on embeddings and logits whose Fourier content is known."""

import math

import pytest
import torch

from riskscope.probes.grokking import (
    fourier_concentration,
    frequency_power,
    key_frequencies,
    neuron_fourier_concentration,
    restricted_and_excluded_loss,
    steps_to_threshold,
)

P = 11
A = torch.arange(P, dtype=torch.float64)


def _wave(k, phase=0.0):
    return torch.cos(2 * math.pi * k * A / P + phase)


def test_frequency_power_equals_a_direct_dft():
    e = torch.randn(2, P, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    power = frequency_power(e)
    for k in range(1, P // 2 + 1):
        basis = torch.exp(-2j * math.pi * k * A / P)
        f = (e.to(torch.complex128) * basis[None, :, None]).sum(1)
        direct = 2 * f.abs().pow(2).sum(-1) / P             # k and p − k have equal power
        torch.testing.assert_close(power[:, k - 1], direct)


def test_concentration_of_sparse_and_spread_embeddings():
    sparse = torch.stack([_wave(2), _wave(2, 1.0), 0.5 * _wave(4)], dim=1)[None]
    assert float(fourier_concentration(sparse, 2)) == pytest.approx(1.0)
    assert key_frequencies(sparse, 2)[0].tolist() == [2, 4]
    flat = torch.stack([_wave(k) for k in range(1, P // 2 + 1)], dim=1)[None]
    assert float(fourier_concentration(flat, 1)) == pytest.approx(1 / (P // 2))
    # every neuron on one frequency: per-neuron concentration 1, whole-matrix 1/5
    assert float(neuron_fourier_concentration(flat)) == pytest.approx(1.0)


def test_restricted_and_excluded_loss_on_a_pure_fourier_logit_table():
    a, b = A.long().repeat_interleave(P), A.long().repeat(P)
    s = (a + b) % P
    c = torch.arange(P)
    logits = (4 * torch.cos(2 * math.pi * 3 * (s[:, None] - c) / P) + 1.5)[None].float()
    restricted, excluded = restricted_and_excluded_loss(logits, s, torch.tensor([[3]]))
    full = -torch.log_softmax(logits.double(), -1).gather(-1, s[None, :, None]).mean()
    assert float(restricted) == pytest.approx(float(full), rel=1e-6)
    assert float(excluded) == pytest.approx(math.log(P), rel=1e-6)   # constant logits
    _, wrong_key = restricted_and_excluded_loss(logits, s, torch.tensor([[1]]))
    assert float(wrong_key) == pytest.approx(float(full), rel=1e-6)


def test_steps_to_threshold():
    assert steps_to_threshold([0, 10, 20], [0.1, 0.995, 1.0], 0.99) == 10
    assert math.isnan(steps_to_threshold([0, 10], [0.1, 0.2], 0.99))
