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


class _ThreeClass(nn.Module):
    """5 → 16 → 16 → 3 ReLU chain; `head_first` registers the head before the hidden layers
    (the old class count, read off the last registered layer, was then 16)."""

    def __init__(self, head_first: bool):
        super().__init__()
        g = torch.Generator().manual_seed(3)
        shapes = {"first": (16, 5), "hidden": (16, 16), "head": (3, 16)}
        for name in (["head", "hidden", "first"] if head_first else list(shapes)):
            layer = nn.Linear(shapes[name][1], shapes[name][0], bias=False)
            setattr(self, name, layer)
        with torch.no_grad():
            for name in shapes:  # the same weights in both orders
                getattr(self, name).weight.copy_(torch.randn(shapes[name], generator=g)
                                                 / shapes[name][1] ** 0.5)

    def forward(self, x):
        return self.head(torch.relu(self.hidden(torch.relu(self.first(x)))))


def _three_class_data():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(200, 5, generator=g)
    return Dataset(x, _ThreeClass(False)(x).argmax(1).detach())


def test_bounds_do_not_depend_on_registration_order_and_use_the_output_width():
    train = _three_class_data()
    forward, head_first = (norm_bounds(_ThreeClass(h), train, gap=0.1) for h in (False, True))
    assert forward.flat() == head_first.flat()
    b = forward.bounds["frobenius"]
    n, k = 200, 3
    x = train.x.double()
    fro = math.prod(float(getattr(_ThreeClass(False), m).weight.detach().double().norm())
                    for m in ("first", "hidden", "head"))
    rademacher = (math.sqrt(2 * math.log(2) * 3) + 1) * fro * float(x.norm()) / n
    assert b.bound == pytest.approx(forward.margin_loss + 4 * k * rademacher / forward.margin
                                    + 3 * math.sqrt(math.log(2 / 0.05) / (2 * n)), rel=1e-9)


def test_a_residual_network_is_refused_and_says_where():
    from riskscope.analyses.bounds import norm_bounds_unavailable
    from riskscope.core.errors import NotAChainError

    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.first, self.block, self.head = (nn.Linear(5, 8), nn.Linear(8, 8),
                                                 nn.Linear(8, 3))

        def forward(self, x):
            h = torch.relu(self.first(x))
            return self.head(h + torch.relu(self.block(h)))

    train = _three_class_data()
    with pytest.raises(NotAChainError, match=r"model: got .*`add` combining 2 values"):
        norm_bounds(Residual(), train)
    assert "skip connection" in norm_bounds_unavailable(Residual(), train.x)


def test_tanh_keeps_the_spectral_bound_only_and_gelu_is_refused():
    from riskscope.core.errors import SpecError

    model, _, train, test = tiny_problem()
    model[1] = nn.Tanh()
    report = norm_bounds(model, train, test)
    assert math.isfinite(report.bounds["spectral_margin"].bound)
    assert set(report.unavailable) == {"frobenius", "pac_bayes_spectral"}
    assert math.isnan(report.bounds["frobenius"].bound)
    model[1] = nn.GELU()
    with pytest.raises(SpecError, match="gelu"):
        norm_bounds(model, train, test)
