"""The weight layers of a network, in the order they were registered. Registration order need
not be forward order (a head defined first, a skip connection): the norm-based bounds take
their layers from `forward_chain.forward_chain`, which follows one forward pass and refuses
networks that are not chains.

Supported: `nn.Linear`, `nn.Conv1d/2d/3d` and riskscope's `ScaledLinear`, `MemberConv` and
`MemberLinear` (the plain layers of the cnn/resnet/random-features families) (whose effective weight
is multiplier × raw weight). Any other module that holds parameters of its own (batch norm,
layer norm, embeddings, weight-normalized layers, ...) is refused with a SpecError naming it:
a Gaussian posterior over its parameters, or a spectral norm for it, is not defined here.
Fold batch norm into the preceding layer before calling (Jiang et al. 2020 do the same).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.models.member_layers import MemberConv, MemberLinear, MemberNorm
from riskscope.models.mlp import ScaledLinear
from riskscope.models.modes import buffers_preserved, evaluation_mode

SUPPORTED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, ScaledLinear, MemberConv, MemberLinear)
SUPPORTED_NAMES = ("nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d or riskscope ScaledLinear, "
                   "MemberConv, MemberLinear")
CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, MemberConv)


@dataclass(frozen=True)
class WeightLayer:
    """One layer: `name` in the model, its module, "linear" or "conv", and the effective weight
    ([out, in] or [out, in/groups, *kernel], detached; multiplier applied)."""

    name: str
    module: nn.Module
    kind: str
    weight: torch.Tensor

    @property
    def matrix(self) -> torch.Tensor:
        """The weight as a matrix [out, in·kernel] (a conv kernel reshaped)."""
        return self.weight.reshape(self.weight.shape[0], -1)


def check_supported_layers(model: nn.Module, field: str = "model") -> list[tuple[str, nn.Module]]:
    """(name, module) of the supported layers; SpecError for the first unsupported one."""
    found = []
    for name, module in model.named_modules():
        if isinstance(module, SUPPORTED):
            found.append((name, module))
            continue
        own = [n for n, _ in module.named_parameters(recurse=False)]
        if own:
            where = f"{field}.{name}" if name else field
            raise SpecError(where, f"{type(module).__name__} with parameters {own}",
                            f"only {SUPPORTED_NAMES} layers hold parameters",
                            "fold batch norm into the preceding layer, or freeze the module "
                            "into a buffer")
    if not found:
        raise SpecError(field, type(model).__name__,
                        f"a module with at least one {SUPPORTED_NAMES}")
    return found


def supports_weight_layers(model: nn.Module) -> bool:
    """True when every parameter of `model` sits in a supported weight layer (the layer-wise
    norms and bounds are defined); transformers and normalized networks are not."""
    try:
        check_supported_layers(model)
    except SpecError:
        return False
    return True


def check_fixed_predictor(model: nn.Module, field: str = "model") -> None:
    """SpecError when `model`'s function is not fixed by its parameters alone: batch norm
    carries running statistics learned from the data outside any prior over the weights
    (a PAC-Bayes KL over the parameters would not pay for them)."""
    for name, module in model.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm) or (
                isinstance(module, MemberNorm) and module.kind == "batch"):
            raise SpecError(f"{field}.{name}" if name else field, type(module).__name__,
                            "a network without batch norm",
                            "its running statistics are learned from the training data but "
                            "are not parameters of the posterior; use normalization 'layer', "
                            "'group' or 'none'")


def weight_layers(model: nn.Module, field: str = "model") -> list[WeightLayer]:
    """The supported layers with their effective weights, in registration order."""
    out = []
    for name, module in check_supported_layers(model, field):
        weight = module.weight.detach()
        if isinstance(module, ScaledLinear):
            weight = weight * module.multiplier
        kind = "conv" if isinstance(module, CONVOLUTIONS) else "linear"
        out.append(WeightLayer(name, module, kind, weight))
    return out


def layer_io_shapes(model: nn.Module, x: torch.Tensor, layers: list[WeightLayer]
                    ) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """(input shape, output shape) of one example at each layer (forward hooks, one example)."""
    shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}

    def hook(name):
        def record(mod, inp, out) -> None:  # returns None: the output is left unchanged
            shapes.setdefault(name, (tuple(inp[0].shape[1:]), tuple(out.shape[1:])))
        return record

    device = next(model.parameters()).device
    hooks = [layer.module.register_forward_hook(hook(layer.name)) for layer in layers]
    try:  # shapes do not depend on the mode; eval mode lets batch norm see one example
        with torch.no_grad(), evaluation_mode(model), buffers_preserved(model):
            model(x[:1].to(device))
    finally:
        for h in hooks:
            h.remove()
    return shapes


def layer_input_shapes(model: nn.Module, x: torch.Tensor,
                       layers: list[WeightLayer]) -> dict[str, tuple[int, ...]]:
    """The shape of one example's input to each layer."""
    return {name: io[0] for name, io in layer_io_shapes(model, x, layers).items()}
