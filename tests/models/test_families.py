"""Every family: the ensemble's members equal plain networks built from the same seeds (forward,
one training step, per-member batch-norm statistics), and bad sections are clear errors."""

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.models import (
    StackedEnsemble,
    build_ensemble,
    build_member,
    model_spec,
    validate_model_section,
)
from tests.models.shapes_task import ShapesTask

_Task = ShapesTask


SECTIONS = {
    "cnn-1d": ({"family": "cnn", "channels": [4, 5], "kernel_size": 3}, _Task(16, 3)),
    "cnn-1d-pool-batch": ({"family": "cnn", "channels": [4, 4], "kernel_size": 3, "stride": 1,
                           "pool": "max", "normalization": "batch"}, _Task(16, 3)),
    "cnn-2d-group": ({"family": "cnn", "dims": 2, "channels": [4, 6], "kernel_size": 3,
                      "stride": 1, "normalization": "group", "groups": 2,
                      "head": "global-average"}, _Task(64, 10)),
    "resnet-batch": ({"family": "resnet", "width": 4, "blocks": 2, "normalization": "batch"},
                     _Task(12, 2)),
    "resnet-layer-2d": ({"family": "resnet", "dims": 2, "width": 4, "blocks": 1,
                         "normalization": "layer"}, _Task(16, 2)),
    "resnet-group": ({"family": "resnet", "width": 4, "normalization": "group", "groups": 2},
                     _Task(12, 2)),
    "resnet-none": ({"family": "resnet", "width": 4, "normalization": "none"}, _Task(12, 2)),
    "transformer": ({"family": "transformer", "d_model": 8, "num_heads": 2, "d_mlp": 16,
                     "layers": 2, "layer_norm": True}, _Task(10, 5, modulus=5)),
    "random-features": ({"family": "random-features", "num_features": 12}, _Task(6, 2)),
    "mlp": ({"family": "mlp", "width": 8}, _Task(6, 2)),
}


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_members_equal_plain_networks(name):
    section, task = SECTIONS[name]
    spec = model_spec(section, task)
    seeds = [3, 11, 7]
    ens = build_ensemble(spec, seeds).double()
    plain = [build_member(spec, s).double() for s in seeds]
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(5, task.input_dim, generator=gen, dtype=torch.float64)
    ens.eval()
    out = ens(x)
    assert out.shape == (3, 5, task.output_dim)
    for i, m in enumerate(plain):
        torch.testing.assert_close(out[i], m.eval()(x))
        torch.testing.assert_close(ens.member(i).eval()(x), m(x))
    xs = torch.randn(3, 5, task.input_dim, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(ens(xs)[1], plain[1](xs[1]))
    # train mode: one forward + gradient per member equals the plain one (batch statistics,
    # running-statistic updates and gradients all per member)
    ens.train()
    loss = ens(x).pow(2).mean(dim=(1, 2)).sum()
    grads = torch.autograd.grad(loss, ens.stacked_parameters())
    for i, m in enumerate(plain):
        m.train()
        g_plain = torch.autograd.grad(m(x).pow(2).mean(), list(m.parameters()))
        for g, gp in zip(grads, g_plain):
            torch.testing.assert_close(g[i].reshape(gp.shape), gp)
        for (k, b), (_, bp) in zip(ens.member(i).named_buffers(), m.named_buffers()):
            torch.testing.assert_close(b, bp, msg=k)


def test_stacked_round_trip_and_per_member_batch_norm_stats():
    spec = model_spec({"family": "resnet", "width": 4, "normalization": "batch"}, _Task(12, 2))
    members = [build_member(spec, s) for s in (1, 2)]
    ens = StackedEnsemble.from_members(members)
    ens.train()
    ens(torch.randn(2, 8, 12))  # different data per member → different statistics
    means = [ens.member(i).blocks[0].norm1.running_mean for i in range(2)]
    assert not torch.allclose(means[0], means[1])
    assert torch.count_nonzero(means[0]) > 0


def test_one_hot_transformer_is_the_grokking_model():
    from riskscope.models.transformer import OneLayerTransformer, TransformerSpec
    p = 7
    spec = model_spec({"family": "transformer", "d_model": 8, "num_heads": 2, "d_mlp": 16},
                      _Task(2 * p, p, modulus=p))
    x = torch.nn.functional.one_hot(torch.tensor([[1, 3], [6, 0]]), p).flatten(1).float()
    new = spec.network(torch.Generator().manual_seed(5))
    old = OneLayerTransformer(TransformerSpec(vocab=p, d_model=8, num_heads=2, d_mlp=16),
                              torch.Generator().manual_seed(5))
    torch.testing.assert_close(new(x), old(x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("section", "field", "words"), [
    ({"family": "cnn", "width": 3}, "model.width", "channels"),
    ({"family": "convnet"}, "model.family", "resnet"),
    ({"family": "resnet", "normalization": "instance"}, "model.normalization", "batch"),
    ({"family": "transformer", "d_model": 10, "num_heads": 3}, "model.num_heads", "divisor"),
    ({"family": "custom"}, "model.factory", "value"),
])
def test_bad_sections_name_the_field(section, field, words):
    with pytest.raises(SpecError) as err:
        validate_model_section(section)
    assert err.value.field == field and words in str(err.value)


def test_shape_errors_at_spec_time():
    with pytest.raises(SpecError, match=r"model\.channels"):
        model_spec({"family": "cnn", "channels": [4] * 6, "kernel_size": 5}, _Task(16, 2))
    with pytest.raises(SpecError, match=r"model\.input_shape"):
        model_spec({"family": "cnn", "dims": 2}, _Task(10, 2))
    with pytest.raises(SpecError, match=r"model\.factory"):
        model_spec({"family": "custom", "factory": "no_such_module_x:f"}, _Task(4, 2))


def test_mlp_section_dump_unchanged():
    """Trial hashes of MLP studies depend on this exact default-filled table."""
    assert validate_model_section({"width": 16}) == {
        "family": "mlp", "width": 16, "depth": 2, "activation": "relu", "bias": True,
        "parameterization": "standard", "init_scale": 1.0, "bias_init_std": 0.0}
