"""The `custom` family: the user's own `nn.Module`, built by a factory named in the spec.

    [model]
    family = "custom"
    factory = "my_package.models:make_net"     # "module:function", importable
    params = { channels = 32 }                  # passed to the factory as keyword arguments

The factory is called as `factory(input_dim=d, output_dim=k, **params)` (and with
`generator=` a seeded `torch.Generator` when its signature accepts one) and must return an
`nn.Module` mapping x [B, d] to outputs [B, k]. Each member is built with its own seed: the
call runs under a forked global RNG seeded with the member's seed, so factories that rely on
PyTorch's default initialization are reproducible and their members differ. Members are run
as one vmapped program when they hold no buffers and `vectorize` is true, else one after
another (see `FunctionalEnsemble`).

Importing the factory runs the user's code, as `riskscope run --plugin` does: only name
factories you trust.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any, Literal

import torch
from pydantic import Field
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params


class CustomParams(Params):
    """The `[model]` section of family "custom"."""

    family: Literal["custom"] = "custom"
    factory: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
                         description='"package.module:function"')
    params: dict[str, Any] = Field(default_factory=dict)
    vectorize: bool = Field(True, description="vmap the members when they hold no buffers")


def load_factory(path: str, field: str = "model.factory") -> Callable[..., nn.Module]:
    """The callable `module:function` names, or SpecError saying what went wrong."""
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise SpecError(field, path, f"an importable 'module:function' ({type(exc).__name__}: "
                        f"{exc})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise SpecError(field, path, f"a callable named {attr!r} in module {module_name!r}")
    return factory


class CustomSpec(CustomParams):
    input_dim: int = Field(gt=0)
    output_dim: int = Field(gt=0)

    def network(self, generator: torch.Generator | None = None) -> nn.Module:
        """One member, seeded from `generator` (its initial seed seeds the forked global RNG)."""
        factory = load_factory(self.factory)
        seed = 0 if generator is None else generator.initial_seed()
        kwargs = dict(self.params, input_dim=self.input_dim, output_dim=self.output_dim)
        try:
            accepts = "generator" in inspect.signature(factory).parameters
        except (TypeError, ValueError):
            accepts = False
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if accepts:
                kwargs["generator"] = torch.Generator().manual_seed(seed)
            try:
                module = factory(**kwargs)
            except TypeError as exc:
                raise SpecError("model.params", self.params,
                                f"keyword arguments {self.factory} accepts ({exc})") from None
        if not isinstance(module, nn.Module):
            raise SpecError("model.factory", self.factory,
                            f"a factory returning an nn.Module (it returned "
                            f"{type(module).__name__})")
        return module

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.network().parameters())

    def check(self) -> None:
        """Build one member and run it on zeros: SpecError unless outputs are [B, k]."""
        module = self.network()
        with torch.no_grad():
            out = module.eval()(torch.zeros(2, self.input_dim))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, self.output_dim):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise SpecError("model.factory", self.factory,
                            f"a module mapping x [B, {self.input_dim}] to [B, "
                            f"{self.output_dim}] (on 2 examples it gave {shape})")
