"""Shared fixtures of the curvature analysis tests (as in tests/probes/conftest.py)."""

import pytest
import torch
from torch import nn


@pytest.fixture
def single_thread():
    """Tiny products are dominated by thread synchronization on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_mlp(seed: int = 0, d: int = 4, width: int = 6, out: int = 3,
             act: type[nn.Module] = nn.Tanh) -> nn.Module:
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(d, width), act(), nn.Linear(width, width), act(),
                          nn.Linear(width, out)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.7)
    return model


def regression_data(seed: int = 0, n: int = 24, d: int = 4, out: int = 3):
    gen = torch.Generator().manual_seed(seed + 100)
    return (torch.randn(n, d, generator=gen, dtype=torch.float64),
            torch.randn(n, out, generator=gen, dtype=torch.float64))


def classification_data(seed: int = 0, n: int = 24, d: int = 4, classes: int = 3):
    gen = torch.Generator().manual_seed(seed + 200)
    return (torch.randn(n, d, generator=gen, dtype=torch.float64),
            torch.randint(0, classes, (n,), generator=gen))


def symmetric_matrix(eigenvalues, seed: int = 0) -> torch.Tensor:
    """Q diag(eigenvalues) Qᵀ with a random orthogonal Q (float64)."""
    lam = torch.as_tensor(eigenvalues, dtype=torch.float64)
    gen = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(lam.numel(), lam.numel(), generator=gen,
                                       dtype=torch.float64))
    return q @ torch.diag(lam) @ q.T
