"""The one-layer transformer: shapes, causality, embedding = lookup, ensemble = members."""

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.core.validation import validate_params
from riskscope.models.functional_ensemble import FunctionalEnsemble
from riskscope.models.transformer import OneLayerTransformer, TransformerSpec, transformer_factory

SPEC = TransformerSpec(vocab=7, d_model=8, num_heads=2, d_mlp=16)


def _inputs(a, b, p=7):
    eye = torch.eye(p)
    return torch.cat([eye[torch.tensor(a)], eye[torch.tensor(b)]], dim=1)


def test_embedding_of_one_hot_inputs_is_a_lookup():
    model = OneLayerTransformer(SPEC, torch.Generator().manual_seed(0))
    resid = model.residual_input(_inputs([3, 5], [1, 6]))
    assert resid.shape == (2, 3, 8)
    expected = torch.stack([model.embed[3], model.embed[1], model.equals]) + model.position
    torch.testing.assert_close(resid[0], expected)


def test_output_shape_and_no_buffers():
    model = OneLayerTransformer(SPEC, torch.Generator().manual_seed(0))
    assert model(_inputs([0, 1, 2], [3, 4, 5])).shape == (3, 7)
    assert not list(model.buffers())


def test_forward_matches_a_plain_implementation():
    """Reference: per-head loops with an explicit causal softmax at the last position."""
    model = OneLayerTransformer(SPEC, torch.Generator().manual_seed(1)).double()
    x = _inputs([2, 4], [6, 0]).double()
    resid = model.residual_input(x)
    out = []
    for r in resid:
        attn = torch.zeros_like(r)
        for h in range(SPEC.num_heads):
            q, k, v = r @ model.query[h], r @ model.key[h], r @ model.value[h]
            rows = []
            for t in range(3):
                w = torch.softmax(q[t] @ k[: t + 1].T / 2.0, -1)   # d_head = 4, √4 = 2
                rows.append(w @ v[: t + 1])
            attn = attn + torch.stack(rows) @ model.output[h]
        last = (r + attn)[-1]
        last = last + torch.relu(last @ model.mlp_in + model.mlp_in_bias) @ model.mlp_out \
            + model.mlp_out_bias
        out.append(last @ model.unembed)
    torch.testing.assert_close(model(x), torch.stack(out))


def test_functional_ensemble_members_equal_their_own_modules():
    seeds = [3, 4, 5]
    ens = FunctionalEnsemble.from_factory(transformer_factory(SPEC), seeds)
    x = _inputs([1, 2, 3, 4], [0, 6, 5, 2])
    out = ens(x)
    for i, s in enumerate(seeds):
        single = OneLayerTransformer(SPEC, torch.Generator().manual_seed(s))
        torch.testing.assert_close(out[i], single(x))


def test_heads_must_divide_d_model():
    with pytest.raises(SpecError) as err:
        validate_params(TransformerSpec, {"vocab": 7, "d_model": 10, "num_heads": 4})
    assert err.value.field == "num_heads" and err.value.given == 4
