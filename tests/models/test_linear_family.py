"""The `linear` family: the first k inputs, a zero start, stacked members equal plain ones."""

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.models.families import build_ensemble, build_member, model_spec


class _Task:
    input_dim, output_dim = 5, 2


def test_uses_the_first_k_inputs_and_starts_at_zero():
    spec = model_spec({"family": "linear", "features": 3, "bias": True}, _Task())
    assert spec.num_parameters == 2 * 4
    ens = build_ensemble(spec, [1, 2])
    x = torch.randn(7, 5)
    assert torch.equal(ens(x), torch.zeros(2, 7, 2))
    with torch.no_grad():
        ens.net.readout.weight.copy_(torch.randn(2, 2, 3))
        ens.net.readout.bias.copy_(torch.randn(2, 2))
    out = ens(x)
    for i in range(2):
        m = ens.member(i)
        torch.testing.assert_close(out[i], x[:, :3] @ m.readout.weight.T + m.readout.bias)
    per_member = torch.randn(2, 7, 5)
    torch.testing.assert_close(ens(per_member)[1], ens.member(1)(per_member[1]))


def test_random_start_matches_build_member_and_bad_k_is_named():
    spec = model_spec({"family": "linear", "init_scale": 1.0}, _Task())
    ens = build_ensemble(spec, [3, 4])
    assert torch.equal(ens.member(1).readout.weight, build_member(spec, 4).readout.weight)
    assert spec.num_features == 5 and ens.member(0).readout.weight.abs().sum() > 0
    with pytest.raises(SpecError) as err:
        model_spec({"family": "linear", "features": 6}, _Task())
    assert err.value.field == "model.features"
