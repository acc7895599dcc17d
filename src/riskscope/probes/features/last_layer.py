"""The last layer of an ensemble: penultimate features h and the linear readout (W, b).

Every family whose output is a linear readout of its `features(x)` is covered: the MLP
(`MLPEnsemble`: the last weight times its forward multiplier, so that under the NTK and
mean-field parameterizations W is the matrix the forward pass actually applies; the bias is
added unscaled) and the stacked families (`cnn`, `resnet`, `random-features`: the
`readout` layer of `StackedEnsemble.net`). For all of them, for every member i,

    ensemble(x)[i] = h_i W_iᵀ + b_i        with h_i = readout_features(ensemble, x)[i]

(checked by the tests). Neural collapse (Papyan, Han & Donoho 2020) is defined on exactly this
pair: the "last-layer activations" and the "last-layer classifier".
"""

from __future__ import annotations

import torch

from riskscope.core.errors import SpecError
from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.modes import evaluation_mode

__all__ = ["readout_features", "readout_parameters"]


def readout_parameters(ensemble: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The readout of every member: W [M, C, p] and b [M, C] (None without biases), detached."""
    if isinstance(ensemble, MLPEnsemble):
        w = ensemble.weights[-1].detach() * ensemble.multipliers[-1]
        b = None if ensemble.biases is None else ensemble.biases[-1].detach()[:, 0]
        return w, b
    readout = getattr(getattr(ensemble, "net", None), "readout", None)
    if readout is None or getattr(readout, "members", None) is None:
        family = getattr(getattr(ensemble, "spec", None), "family", type(ensemble).__name__)
        raise SpecError("model.family", family, "mlp, cnn, resnet or random-features: a "
                        "family whose output is a linear readout of its features")
    bias = None if readout.bias is None else readout.bias.detach()
    return readout.weight.detach(), bias


@torch.no_grad()
def readout_features(ensemble: torch.nn.Module, x: torch.Tensor, chunk: int = 2048
                     ) -> torch.Tensor:
    """The readout's input for inputs x [N, d] (shared) or [M, N, d]: [M, N, p], computed in
    eval mode (batch norm with its running statistics, left untouched) in chunks of
    `chunk` examples."""
    if chunk < 1:
        raise SpecError("chunk", chunk, "a positive number of examples")
    n = x.shape[-2]
    with evaluation_mode(ensemble):
        parts = [ensemble.features(x[..., a:a + chunk, :]) for a in range(0, n, chunk)]
    return torch.cat(parts, dim=1)
