"""Batched optimizers against torch.optim, member by member, and on a known minimizer."""

import itertools

import pytest
import torch

from riskscope.training import BatchedOptimizer, OptimizerConfig, Schedule, log_spaced_steps

CASES = [
    ("sgd", dict(momentum=0.0), lambda p, lr, wd: torch.optim.SGD([p], lr=lr, weight_decay=wd)),
    ("sgd", dict(momentum=0.9), lambda p, lr, wd: torch.optim.SGD(
        [p], lr=lr, momentum=0.9, weight_decay=wd)),
    ("sgd", dict(momentum=0.8, nesterov=True), lambda p, lr, wd: torch.optim.SGD(
        [p], lr=lr, momentum=0.8, nesterov=True, weight_decay=wd)),
    ("adam", dict(), lambda p, lr, wd: torch.optim.Adam([p], lr=lr, weight_decay=wd)),
    ("adamw", dict(), lambda p, lr, wd: torch.optim.AdamW([p], lr=lr, weight_decay=wd)),
]


@pytest.mark.parametrize("name,extra,reference", CASES)
def test_matches_torch_optim_per_member(name, extra, reference):
    torch.manual_seed(0)
    lrs = torch.tensor([0.01, 0.05, 0.002], dtype=torch.float64)
    wds = torch.tensor([0.0, 0.1, 0.01], dtype=torch.float64)
    start = torch.randn(3, 4, 5, dtype=torch.float64)
    stacked = start.clone()
    opt = BatchedOptimizer([stacked], OptimizerConfig(name, **extra), lrs, wds)
    singles = [start[i].clone().requires_grad_(True) for i in range(3)]
    refs = [reference(singles[i], lrs[i].item(), wds[i].item()) for i in range(3)]
    gen = torch.Generator().manual_seed(1)
    for _ in range(25):
        grads = torch.randn(3, 4, 5, dtype=torch.float64, generator=gen) + stacked
        opt.step([grads])
        for i in range(3):
            singles[i].grad = grads[i].clone()
            refs[i].step()
    for i in range(3):
        torch.testing.assert_close(stacked[i], singles[i].detach(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw"])
def test_converges_to_least_squares_minimizer(name):
    gen = torch.Generator().manual_seed(0)
    A = torch.randn(30, 4, dtype=torch.float64, generator=gen)
    b = torch.randn(30, dtype=torch.float64, generator=gen)
    exact = torch.linalg.lstsq(A, b.unsqueeze(1)).solution.squeeze(1)
    p = torch.zeros(2, 4, dtype=torch.float64)
    lr = torch.tensor([0.02, 0.01], dtype=torch.float64)
    config = OptimizerConfig(name, momentum=0.9 if name == "sgd" else 0.0)
    opt = BatchedOptimizer([p], config, lr, torch.zeros(2, dtype=torch.float64))
    for t in range(6000):
        grad = (A @ p.T - b.unsqueeze(1)).T @ A / 30
        opt.step([grad], lr_factor=1.0 if t < 4000 else 0.1)
    for i in range(2):
        torch.testing.assert_close(p[i], exact, atol=1e-4, rtol=1e-4)


def test_inactive_members_are_left_exactly_unchanged():
    p = torch.ones(3, 2)
    opt = BatchedOptimizer([p], OptimizerConfig("adam"), torch.full((3,), 0.1), torch.zeros(3))
    g = torch.tensor([[1.0, 1.0], [float("nan"), 1.0], [1.0, 1.0]])
    opt.step([g], active=torch.tensor([True, False, True]))
    assert torch.equal(p[1], torch.ones(2))
    assert torch.all(p[0] < 1) and torch.isfinite(p).all()


def test_schedules():
    assert Schedule("constant").factor(123) == 1.0
    cos = Schedule("cosine", total_steps=100, final_factor=0.1)
    assert cos.factor(0) == pytest.approx(1.0)
    assert cos.factor(50) == pytest.approx(0.55)
    assert cos.factor(100) == pytest.approx(0.1)
    step = Schedule("step", step_size=10, gamma=0.5)
    assert [step.factor(t) for t in (0, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]
    warm = Schedule("constant", warmup_steps=4)
    assert [warm.factor(t) for t in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]


def test_log_spaced_steps():
    steps = log_spaced_steps(10_000, 30)
    assert steps[0] == 0 and steps[-1] == 10_000
    assert steps == sorted(set(steps)) and len(steps) <= 31
    ratios = [b / a for a, b in itertools.pairwise(steps[5:])]
    assert max(ratios) / min(ratios) < 1.5  # geometric spacing
    assert log_spaced_steps(3, 40) == [0, 1, 2, 3]
