"""The weight layers of a network in the order its forward pass applies them, and a check that
the network is a *chain*: x → W_1 → σ → W_2 → σ → … → W_L → output, each weight layer's input
being exactly the previous layer's output after parameter-free maps of one value (elementwise
activations, poolings, reshapes). The norm-based bounds (products of layer norms: Bartlett et
al. 2017, Neyshabur et al. 2018, Golowich et al. 2018) are stated for chains; a skip
connection, a merge, a layer applied twice or a fixed map between layers (a buffer matrix, a
parameter-free layer norm) makes them no bound for that graph.

How it is found: one forward pass on one example under a `TorchFunctionMode` that sees every
torch function called outside the weight layers, plus forward hooks on the weight layers and
(for naming) on every module. Each tensor computed from the input is tracked by identity (a
reference is held, so identities are not reused). The network is not a chain when a value
computed from the input is used twice (a skip connection's fork, an input reused), an
operation combines two such values (`h + f(h)`) or one with any other tensor (a buffer or a
constant), a weight layer runs twice or on something not computed from the input, an
operation is not one of the known maps below, or the output is not the last value computed.
This sees through functional code (`torch.relu(h)`, `h.flatten(1)`) that module hooks alone
miss, and, unlike `torch.fx`, follows Python control flow. It checks the one path taken on
that example: a network whose graph depends on its input is checked only on that path.

Maps between layers, classified (by the torch function's name):
- reshapes (view, flatten, transpose, indexing, eval-mode dropout, …): norm-preserving or
  norm-non-increasing linear maps;
- poolings: max and average pooling with stride = kernel size (non-overlapping windows),
  global averages (`mean`, adaptive average pooling to size 1): 1-Lipschitz in ℓ2 and
  positively homogeneous;
- `relu`, `leaky_relu` (|slope| ≤ 1), `abs`, `neg`, multiplication by a number of magnitude
  ≤ 1: 1-Lipschitz, σ(0) = 0, positively homogeneous;
- `tanh`, `hardtanh`, `relu6`, `softsign`: 1-Lipschitz with σ(0) = 0, not homogeneous;
- `gelu`, `sigmoid`, `softplus`, `erf`, `square`, `silu`, `elu`, …: elementwise, but not
  1-Lipschitz with σ(0) = 0 (`ForwardChain.lipschitz` is False).
Anything else raises NotAChainError: riskscope cannot tell it is elementwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from riskscope.core.errors import NotAChainError
from riskscope.models.modes import buffers_preserved, evaluation_mode
from riskscope.probes.complexity.layers import (
    SUPPORTED,
    WeightLayer,
    check_supported_layers,
    weight_layers,
)

__all__ = ["ForwardChain", "chain_limitation", "forward_chain"]

_RESHAPES = {"reshape", "view", "flatten", "transpose", "permute", "contiguous", "squeeze",
             "unsqueeze", "clone", "to", "float", "double", "detach", "__getitem__", "__get__",
             "t", "type_as", "unflatten"}
_DROPOUTS = {"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
             "feature_alpha_dropout"}
_POOLS = {"max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
          "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices"}
_HOMOGENEOUS = {"relu", "relu_", "abs", "neg", "identity"}
_LIPSCHITZ = {"tanh", "tanh_", "hardtanh", "hardtanh_", "relu6", "softsign"}
_OTHER = {"gelu", "sigmoid", "softplus", "erf", "square", "silu", "elu", "selu", "celu",
          "mish", "exp", "sin", "cos", "hardswish", "hardsigmoid", "logsigmoid", "pow"}


@dataclass(frozen=True)
class ForwardChain:
    """A chain of weight layers as the forward pass applies them.

    layers:        the weight layers in forward order (layers registered but never run are
                   not part of the function and are left out);
    input_shapes / output_shapes: one example's shape at each layer, by layer name;
    output_width:  the model's output size (the class count of a classifier);
    activations:   the maps between layers other than reshapes, in order;
    lipschitz:     every such map is 1-Lipschitz with σ(0) = 0;
    homogeneous:   every such map is also positively homogeneous (σ(cz) = cσ(z), c > 0).
    """

    layers: list[WeightLayer]
    input_shapes: dict[str, tuple[int, ...]]
    output_shapes: dict[str, tuple[int, ...]]
    output_width: int
    activations: tuple[str, ...]
    lipschitz: bool
    homogeneous: bool

    @property
    def units(self) -> int:
        """The largest number of units of any layer's input or output."""
        shapes = [*self.input_shapes.values(), *self.output_shapes.values()]
        return max(int(torch.Size(s).numel()) for s in shapes)


def _arg(args, kwargs, index: int, name: str, default=None):
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else default


def _classify(name: str, args, kwargs) -> str | None:
    """"reshape", "homogeneous", "lipschitz", "other", or None (not a known map)."""
    if name in _RESHAPES:
        return "reshape"
    if name in _DROPOUTS:
        return "reshape" if not _arg(args, kwargs, 2, "training", True) else None
    if name in _POOLS:
        kernel, stride = _arg(args, kwargs, 1, "kernel_size"), _arg(args, kwargs, 2, "stride")
        return "homogeneous" if stride in (None, kernel) or stride == [] else "other"
    if name.startswith("adaptive_avg_pool") or name == "mean":
        size = _arg(args, kwargs, 1, "output_size", 1)
        ones = name == "mean" or all(s == 1 for s in ([size] if isinstance(size, int) else size))
        return "homogeneous" if ones else None
    if name in ("leaky_relu", "leaky_relu_"):
        return "homogeneous" if abs(_arg(args, kwargs, 1, "negative_slope", 0.01)) <= 1 \
            else "other"
    if name in ("mul", "__mul__", "__rmul__", "div", "__truediv__"):
        factor = args[1] if len(args) > 1 else None
        if not isinstance(factor, (int, float)):
            return None
        scale = abs(factor) if "mul" in name else (abs(1 / factor) if factor else float("inf"))
        return "homogeneous" if scale <= 1 else "other"
    if name in _HOMOGENEOUS:
        return "homogeneous"
    if name in _LIPSCHITZ:
        return "lipschitz"
    return "other" if name in _OTHER else None


def _tensors(obj) -> list[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for item in obj for t in _tensors(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _tensors(item)]
    return []


class _Trace(TorchFunctionMode):
    def __init__(self, field: str, names: dict[nn.Module, str]):
        super().__init__()
        self.field, self.names = field, names
        self.keep: list[torch.Tensor] = []        # held so that ids are not reused
        self.data: set[int] = set()               # values computed from the input
        self.used: set[int] = set()
        self.last: int | None = None
        self.stack: list[str] = [field]
        self.inside = 0
        self.layers: list[nn.Module] = []
        self.shapes: dict[nn.Module, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self.kinds: list[tuple[str, str]] = []

    def where(self) -> str:
        return self.stack[-1]

    def produce(self, tensors: list[torch.Tensor]) -> None:
        for t in tensors:
            self.keep.append(t)
            self.data.add(id(t))
            self.used.discard(id(t))
            self.last = id(t)

    def consume(self, t: torch.Tensor, what: str) -> None:
        if id(t) in self.used:
            raise NotAChainError(self.where(), f"{what} on a value already used elsewhere",
                                 "a value computed from the input feeds two paths (the fork "
                                 "of a skip connection, or an input reused)")
        self.used.add(id(t))

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self.inside == 0:  # operations inside a weight layer belong to it
            self.operation(getattr(func, "__name__", str(func)), args, kwargs, out)
        return out

    def operation(self, name: str, args, kwargs, out) -> None:
        inputs = _tensors(args) + _tensors(kwargs)
        data = [t for t in inputs if id(t) in self.data]
        outputs = _tensors(out)
        if not data or not outputs:  # constants, or a shape/size query
            return
        if len(data) > 1:
            raise NotAChainError(self.where(), f"`{name}` combining {len(data)} values "
                                 "computed from the input", "a skip connection or a merge")
        if len(inputs) > 1:
            other = next(t for t in inputs if id(t) not in self.data)
            raise NotAChainError(self.where(), f"`{name}` combining the data with a tensor "
                                 f"of shape {tuple(other.shape)} that is no weight layer's",
                                 "a fixed map (a buffer, a constant) the bounds do not see")
        kind = _classify(name, args, kwargs)
        if kind is None:
            raise NotAChainError(self.where(), f"`{name}` between weight layers",
                                 "not a known elementwise activation, pooling or reshape")
        self.consume(data[0], f"`{name}`")
        if kind != "reshape":
            self.kinds.append((name, kind))
        self.produce(outputs)

    def enter(self, module: nn.Module, args) -> None:
        self.stack.append(self.names[module])
        if not isinstance(module, SUPPORTED):
            return
        self.inside += 1
        if self.inside > 1:
            return
        if module in self.shapes:
            raise NotAChainError(self.where(), "a weight layer applied twice",
                                 "shared weights: a product of per-layer norms counts it once")
        inputs = _tensors(args)
        if len(inputs) != 1 or id(inputs[0]) not in self.data:
            raise NotAChainError(self.where(), "a weight layer whose input is not one value "
                                 "computed from the model's input")
        self.consume(inputs[0], "a weight layer")
        self.shapes[module] = (tuple(inputs[0].shape[1:]), ())

    def leave(self, module: nn.Module, out) -> None:
        self.stack.pop()
        if not isinstance(module, SUPPORTED):
            return
        self.inside -= 1
        if self.inside == 0:
            self.shapes[module] = (self.shapes[module][0], tuple(out.shape[1:]))
            self.layers.append(module)
            self.produce([out])


def forward_chain(model: nn.Module, x: torch.Tensor, field: str = "model") -> ForwardChain:
    """The chain of weight layers `model` applies to the first example of `x` (see the module
    docstring); NotAChainError naming the module where the chain breaks, SpecError for a
    module with parameters that is no supported weight layer."""
    check_supported_layers(model, field)
    by_module = {layer.module: layer for layer in weight_layers(model, field)}
    names = {m: f"{field}.{n}" if n else field for n, m in model.named_modules()}
    trace = _Trace(field, names)
    hooks = []
    for module in names:
        hooks.append(module.register_forward_pre_hook(lambda m, a: trace.enter(m, a)))
        hooks.append(module.register_forward_hook(lambda m, a, o: trace.leave(m, o)))
    device = next(model.parameters()).device
    x = x[:1].to(device)
    try:
        with torch.no_grad(), evaluation_mode(model), buffers_preserved(model):
            trace.produce([x])
            with trace:
                out = model(x)
    finally:
        for h in hooks:
            h.remove()
    if not isinstance(out, torch.Tensor) or id(out) != trace.last:
        raise NotAChainError(field, "an output that is not the last value computed from the "
                             "input", "the output must follow the last weight layer")
    kinds = [kind for _, kind in trace.kinds]
    return ForwardChain(
        layers=[by_module[m] for m in trace.layers],
        input_shapes={by_module[m].name: s[0] for m, s in trace.shapes.items()},
        output_shapes={by_module[m].name: s[1] for m, s in trace.shapes.items()},
        output_width=int(out.shape[-1]),
        activations=tuple(name for name, _ in trace.kinds),
        lipschitz=all(k in ("homogeneous", "lipschitz") for k in kinds),
        homogeneous=all(k == "homogeneous" for k in kinds))


def chain_limitation(model: nn.Module, x: torch.Tensor) -> str | None:
    """None when `model` is a chain of weight layers, else why not (the error's message)."""
    try:
        forward_chain(model, x)
    except NotAChainError as exc:
        return str(exc)
    return None
