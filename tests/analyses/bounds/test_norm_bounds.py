"""Norm and margin bounds: each formula recomputed by hand in numpy on a tiny network."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from riskscope.analyses.bounds import norm_bounds
from riskscope.tasks.base import Dataset


def tiny_problem(seed=0):
    g = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 16, bias=False), nn.ReLU(), nn.Linear(16, 4, bias=False))
    init = nn.Sequential(nn.Linear(3, 16, bias=False), nn.ReLU(), nn.Linear(16, 4, bias=False))
    with torch.no_grad():
        for m in (model, init):
            m[0].weight.copy_(torch.randn(16, 3, generator=g))
            m[2].weight.copy_(torch.randn(4, 16, generator=g))
    x = torch.randn(50, 3, generator=g)
    y = model(x).argmax(1)
    y[:3] = (y[:3] + 1) % 4  # a few training errors
    test_x = torch.randn(80, 3, generator=g)
    test_y = torch.randint(0, 4, (80,), generator=g)
    return model, init, Dataset(x, y), Dataset(test_x, test_y)


def test_bounds_match_a_numpy_computation():
    model, init, train, test = tiny_problem()
    report = norm_bounds(model, train, test, init=init, delta=0.05)
    w = [model[0].weight.detach().double().numpy(), model[2].weight.detach().double().numpy()]
    w0 = [init[0].weight.detach().double().numpy(), init[2].weight.detach().double().numpy()]
    x = train.x.double().numpy()
    logits = model(train.x).detach().double().numpy()
    true = logits[np.arange(50), train.y.numpy()]
    other = np.where(np.eye(4)[train.y.numpy()] == 1, -np.inf, logits).max(1)
    gamma = np.quantile(true - other, 0.1)
    assert report.margin == pytest.approx(gamma) and gamma > 0
    spec = [np.linalg.norm(a, 2) for a in w]
    fro = [np.linalg.norm(a) for a in w]
    two_one = [np.linalg.norm(a - b, axis=1).sum() for a, b in zip(w, w0)]
    r_a = np.prod(spec) * sum((t / s) ** (2 / 3) for t, s in zip(two_one, spec)) ** 1.5
    n, xf, radius = 50, np.linalg.norm(x), np.linalg.norm(x, axis=1).max()
    b = report.bounds
    assert b["spectral_margin"].term == pytest.approx(xf * r_a / (gamma * n), rel=1e-9)
    lg = report.margin_loss
    assert b["spectral_margin"].bound == pytest.approx(
        lg + 8 / n + 72 * xf * r_a * math.log(2 * 16) * math.log(n) / (gamma * n)
        + 3 * math.sqrt(math.log(1 / 0.05) / (2 * n)), rel=1e-9)
    big_gamma = np.prod(np.square(spec)) * sum(f**2 / s**2 for f, s in zip(fro, spec))
    assert b["pac_bayes_spectral"].term == pytest.approx(
        math.sqrt(radius**2 * 4 * 16 * math.log(2 * 16) * big_gamma / (gamma**2 * n)), rel=1e-9)
    c = math.sqrt(2 * math.log(2) * 2) + 1
    assert b["frobenius"].term == pytest.approx(radius * c * np.prod(fro)
                                                / (gamma * math.sqrt(n)), rel=1e-9)
    gap = report.test_error - report.train_error
    assert report.gap == pytest.approx(gap)
    for bound in b.values():
        if gap > 0:
            assert bound.term_over_gap == pytest.approx(bound.term / gap)
    assert set(report.flat()) >= {"spectral_margin_term", "frobenius_bound", "gap", "margin"}


def test_path_norm_term_uses_the_bias_free_path_norm():
    model, _, train, test = tiny_problem(1)
    report = norm_bounds(model, train, test)
    w1, w2 = model[0].weight.detach().double(), model[2].weight.detach().double()
    phi = float((w2.pow(2) @ w1.pow(2)).sum())
    radius = float(train.x.double().norm(dim=1).max())
    expected = radius * math.sqrt(phi) / (report.margin * math.sqrt(50))
    assert report.bounds["path_norm"].term == pytest.approx(expected, rel=1e-9)
    assert math.isnan(report.bounds["path_norm"].bound)


def test_no_positive_margin_gives_infinite_terms():
    model, _, train, _ = tiny_problem(2)
    noisy = Dataset(train.x, torch.randint(0, 4, (50,), generator=torch.Generator()
                                           .manual_seed(5)))
    report = norm_bounds(model, noisy, gap=0.3)
    assert report.margin <= 0
    assert all(b.term == math.inf for b in report.bounds.values())
