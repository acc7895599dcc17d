"""Checks made before measuring curvature of a user's model.

- Mode: a model in training mode whose dropout or batch-norm layers make its output depend on
  the mode gets a `CurvatureModeWarning` naming those layers. The mode is **never switched**
  (PyHessian calls `model.eval()` silently, one of the pitfalls in REFERENCES.md): the caller
  decides what network is measured.
- Determinism: the loss is evaluated twice on the same chunk; two different values (dropout
  active, a stochastic loss) make every Hessian–vector product a different matrix, so that is
  a `SpecError` unless `check_deterministic=False`.
- Parameters: only parameters with `requires_grad` are differentiated (frozen ones are left
  out of the operator; none at all is an error). An ensemble is refused with a pointer to
  `ensemble.member(i)`.
"""

from __future__ import annotations

import math
import warnings

import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.models.member_layers import MemberNorm

#: layer types whose forward pass differs between training and evaluation mode
MODE_DEPENDENT = (nn.modules.dropout._DropoutNd, nn.modules.batchnorm._BatchNorm,
                  nn.modules.instancenorm._InstanceNorm)


class CurvatureModeWarning(UserWarning):
    """A model measured in training mode has layers that behave differently in eval mode."""


def _mode_dependent(m: nn.Module) -> bool:
    return isinstance(m, MODE_DEPENDENT) or (isinstance(m, MemberNorm) and m.kind == "batch")


def mode_dependent_layers(model: nn.Module) -> list[str]:
    """Names (with types) of the layers whose forward depends on the training flag."""
    return [f"{name or '<root>'} ({type(m).__name__})" for name, m in model.named_modules()
            if _mode_dependent(m) and m.training]


def batch_statistics_layers(model: nn.Module) -> list[str]:
    """Train-mode batch norms: layers that mix the examples of a batch (and update running
    statistics), so a per-example quantity such as the NTK is not defined for the model."""
    return [f"{name or '<root>'} ({type(m).__name__})" for name, m in model.named_modules()
            if m.training and (isinstance(m, nn.modules.batchnorm._BatchNorm)
                               or (isinstance(m, MemberNorm) and m.kind == "batch"))]


def warn_if_training_mode(model: nn.Module) -> None:
    layers = mode_dependent_layers(model)
    if model.training and layers:
        warnings.warn(
            "model is in training mode and these layers depend on the mode: "
            + ", ".join(layers) + ". Curvature is measured in training mode as given "
            "(riskscope does not switch modes); call model.eval() first to measure the "
            "deterministic network.", CurvatureModeWarning, stacklevel=3)


def trainable_parameters(model: nn.Module) -> list[nn.Parameter]:
    """Parameters with requires_grad, in `model.parameters()` order (frozen ones left out)."""
    if not isinstance(model, nn.Module):
        raise SpecError("model", type(model).__name__, "a torch.nn.Module")
    if hasattr(model, "num_members") and hasattr(model, "stacked_parameters"):
        raise SpecError("model", type(model).__name__, "a single network",
                        "measure one member of an ensemble with ensemble.member(i)")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise SpecError("model", "no trainable parameters",
                        "a model with at least one parameter with requires_grad=True")
    dtypes = {p.dtype for p in params}
    devices = {p.device for p in params}
    if len(dtypes) > 1 or len(devices) > 1:
        raise SpecError("model", f"dtypes {sorted(map(str, dtypes))}, devices "
                        f"{sorted(map(str, devices))}", "one dtype and one device")
    return params


def check_deterministic(value_fn, field: str = "loss") -> float:
    """Evaluate `value_fn()` twice; raise SpecError if the two values differ."""
    with torch.no_grad():
        a = float(value_fn())
        b = float(value_fn())
    if not (math.isfinite(a) and math.isfinite(b)):
        raise SpecError(field, f"{a!r} then {b!r}", "a finite loss on the given data")
    if abs(a - b) > 1e-6 * max(abs(a), abs(b)) + 1e-30:
        raise SpecError(field, f"{a!r} then {b!r} on the same data",
                        "a loss that is the same in two passes over the same data",
                        "dropout or another random layer is active (model.eval() fixes "
                        "that), or the loss is stochastic; pass check_deterministic=False "
                        "to measure it anyway")
    return a
