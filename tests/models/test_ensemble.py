import math

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator
from riskscope.models import MLP, MLPEnsemble, MLPSpec

SPEC = MLPSpec(input_dim=5, output_dim=3, width=12, depth=2, activation="tanh")


def test_member_is_bit_identical_to_standalone_mlp():
    ens = MLPEnsemble.from_seeds(SPEC, [11, 22, 33])
    alone = MLP(SPEC, torch_generator(22))
    member = ens.member(1)
    for p, q in zip(member.raw_parameters(), alone.raw_parameters(), strict=True):
        assert torch.equal(p, q)


def test_ensemble_forward_matches_each_member():
    ens = MLPEnsemble.from_seeds(SPEC, [1, 2, 3, 4])
    x = torch.randn(7, 5, generator=torch_generator(0))
    out = ens(x)
    assert out.shape == (4, 7, 3)
    for i in range(4):
        torch.testing.assert_close(out[i], ens.member(i)(x), rtol=1e-5, atol=1e-6)
    xs = torch.randn(4, 7, 5, generator=torch_generator(1))
    per_member = ens(xs)
    for i in range(4):
        torch.testing.assert_close(per_member[i], ens.member(i)(xs[i]), rtol=1e-5, atol=1e-6)


def test_from_members_round_trip_and_load_member():
    ens = MLPEnsemble.from_seeds(SPEC, [5, 6])
    back = MLPEnsemble.from_members([ens.member(0), ens.member(1)])
    for p, q in zip(ens.stacked_parameters(), back.stacked_parameters(), strict=True):
        assert torch.equal(p, q)
    other = MLP(SPEC, torch_generator(99))
    ens.load_member(0, other)
    assert torch.equal(ens.member(0).raw_parameters()[0], other.raw_parameters()[0])
    with pytest.raises(SpecError):
        MLPEnsemble.from_members([ens.member(0), MLP(MLPSpec(input_dim=5, output_dim=3,
                                                              width=8, depth=2))])


def test_member_gradients_are_independent():
    ens = MLPEnsemble.from_seeds(SPEC, [1, 2, 3])
    x = torch.randn(6, 5)
    ens(x)[1].sum().backward()
    for p in ens.stacked_parameters():
        assert p.grad[0].abs().max() == 0 and p.grad[2].abs().max() == 0
        assert p.grad[1].abs().max() > 0


def test_standard_and_ntk_parameterizations_agree_at_init():
    # Same draws, the 1/sqrt(fan_in) moved from the weights into the forward pass.
    kw = dict(input_dim=6, output_dim=2, width=32, depth=2, activation="relu")
    std = MLP(MLPSpec(**kw, parameterization="standard"), torch_generator(3))
    ntk = MLP(MLPSpec(**kw, parameterization="ntk"), torch_generator(3))
    mf = MLP(MLPSpec(**kw, parameterization="mean-field"), torch_generator(3))
    x = torch.randn(10, 6)
    torch.testing.assert_close(std(x), ntk(x), rtol=1e-5, atol=1e-6)
    # mean-field divides the output layer by fan_in instead of sqrt(fan_in)
    torch.testing.assert_close(mf(x), ntk(x) / math.sqrt(32), rtol=1e-5, atol=1e-6)


def test_standard_init_preserves_second_moment_for_relu():
    spec = MLPSpec(input_dim=200, output_dim=1, width=2000, depth=1, activation="relu")
    mlp = MLP(spec, torch_generator(0))
    x = torch.randn(500, 200, generator=torch_generator(1))
    with torch.no_grad():
        h = mlp.features(x)
    # He scaling: E[relu(z)^2] = Var(z)/2 = 1 when Var(z) = 2 E[x^2] = 2
    assert h.pow(2).mean().item() == pytest.approx(1.0, rel=0.05)


def test_spec_counts_parameters():
    assert SPEC.num_parameters == 5 * 12 + 12 + 12 * 12 + 12 + 12 * 3 + 3
    assert MLPEnsemble(SPEC, 2).stacked_parameters()[0].shape == (2, 12, 5)
