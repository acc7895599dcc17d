import pytest
import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.models import FunctionalEnsemble
from riskscope.tasks.base import Dataset
from riskscope.training import FixedBatches, LossSpec, TrainingConfig, train_ensemble


class TinyConv(nn.Module):
    """A 1-d CNN: the kind of family MLPEnsemble does not cover."""

    def __init__(self, generator: torch.Generator):
        super().__init__()
        self.conv = nn.Conv1d(1, 4, 3)
        self.head = nn.Linear(4 * 6, 2)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=generator) * 0.3)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x.unsqueeze(-2))).flatten(-2))


def _members(seeds):
    return [TinyConv(torch.Generator().manual_seed(s)) for s in seeds]


def test_forward_matches_each_member_and_member_round_trips():
    ens = FunctionalEnsemble(_members([1, 2, 3]))
    x = torch.randn(5, 8)
    out = ens(x)
    assert out.shape == (3, 5, 2)
    for i, m in enumerate(_members([1, 2, 3])):
        torch.testing.assert_close(out[i], m(x))
        torch.testing.assert_close(ens.member(i)(x), m(x))
    xs = torch.randn(3, 5, 8)
    torch.testing.assert_close(ens(xs)[2], _members([3])[0](xs[2]))


def test_trains_like_per_model_pytorch():
    x = torch.randn(16, 8, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).long()
    ens = FunctionalEnsemble(_members([4, 5]))
    config = TrainingConfig(optimizer="sgd", lr=0.1, momentum=0.9, steps=25)
    train_ensemble(ens, LossSpec("cross_entropy", "zero_one"),
                   FixedBatches(Dataset(x, y), 2, 0, [0, 1]), config, torch.full((2,), 0.1),
                   torch.zeros(2))
    for i, model in enumerate(_members([4, 5])):
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(25):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        for p, q in zip(ens.member(i).parameters(), model.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


def test_members_with_buffers_keep_their_own_statistics():
    members = [nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3)) for _ in range(2)]
    ens = FunctionalEnsemble(members).train()
    x = torch.randn(2, 8, 3, generator=torch.Generator().manual_seed(0))
    out = ens(x)
    for i, m in enumerate(members):
        torch.testing.assert_close(out[i], m.train()(x[i]))
        torch.testing.assert_close(ens.member(i)[1].running_mean, m[1].running_mean)
    assert not torch.allclose(ens.member(0)[1].running_mean, ens.member(1)[1].running_mean)


def test_refuses_bad_shapes():
    ens = FunctionalEnsemble(_members([1]))
    with pytest.raises(SpecError, match=r"x\.shape"):
        ens(torch.randn(8))
