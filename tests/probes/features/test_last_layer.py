"""The readout pair of every family with a linear readout: h Wᵀ + b is the ensemble's output,
member by member, and a family without one is refused by name."""

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.models import build_ensemble, model_spec
from riskscope.probes.features.last_layer import readout_features, readout_parameters
from tests.models.shapes_task import ShapesTask

_Task = ShapesTask


SECTIONS = {
    "mlp": {"family": "mlp", "width": 7, "depth": 2},
    "mlp-ntk": {"family": "mlp", "width": 7, "depth": 2, "parameterization": "ntk"},
    "mlp-mean-field-no-bias": {"family": "mlp", "width": 7, "depth": 1,
                               "parameterization": "mean-field", "bias": False},
    "cnn-2d": {"family": "cnn", "dims": 2, "channels": [3, 4], "kernel_size": 3, "stride": 1,
               "pool": "max", "head": "global-average"},
    "cnn-1d-flatten": {"family": "cnn", "channels": [3, 4], "kernel_size": 3},
    "resnet-batch": {"family": "resnet", "width": 4, "blocks": 1, "normalization": "batch"},
    "random-features": {"family": "random-features", "num_features": 9},
}


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_features_times_readout_is_the_output(name):
    spec = model_spec(SECTIONS[name], _Task(16, 5))
    ensemble = build_ensemble(spec, [3, 4, 5])
    x = torch.randn(11, 16, generator=torch.Generator().manual_seed(0))
    h = readout_features(ensemble, x, chunk=4)          # chunks of 4, 4 and 3 examples
    w, b = readout_parameters(ensemble)
    assert h.shape[:2] == (3, 11) and w.shape == (3, 5, h.shape[2])
    logits = h @ w.transpose(1, 2) + (0 if b is None else b.unsqueeze(1))
    with torch.no_grad():
        torch.testing.assert_close(logits, ensemble(x), rtol=1e-5, atol=1e-5)
    assert b is None or b.shape == (3, 5)
    if SECTIONS[name].get("bias") is False:
        assert b is None


def test_a_family_without_a_linear_readout_is_refused():
    spec = model_spec({"family": "transformer", "d_model": 8, "num_heads": 2, "d_mlp": 16,
                       "layers": 1}, _Task(10, 5, modulus=5))
    with pytest.raises(SpecError, match=r"model\.family"):
        readout_parameters(build_ensemble(spec, [0]))
