"""Model families by name: each one's `[model]` parameters, its spec and its ensemble.

    family            parameters (validated)     ensemble (one batched program)
    mlp               `MLPParams`                 `MLPEnsemble` (fused batched matmuls)
    cnn               `CNNParams`                 `StackedEnsemble` (grouped convolutions)
    resnet            `ResNetParams`              `StackedEnsemble` (grouped convolutions)
    random-features   `RandomFeaturesParams`      `StackedEnsemble` (batched matmuls)
    linear            `LinearParams`              `StackedEnsemble` (batched matmuls)
    transformer       `TransformerParams`         `FunctionalEnsemble` (torch.func.vmap)
    custom            `CustomParams`              `FunctionalEnsemble` (vmap, or a loop when
                                                  members hold buffers)

`validate_model_section` checks a `[model]` table (an unknown key names the family's keys);
`model_spec(section, task)` adds the task's input and output sizes; `build_ensemble(spec,
seeds)` makes the members, member i drawn from `torch_generator(seeds[i])`, each convertible to
a plain `nn.Module` with `member(i)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import torch
from pydantic import Field

from riskscope.core.errors import SpecError, unknown_name_error
from riskscope.core.rng import torch_generator
from riskscope.core.validation import Params, validate_params
from riskscope.models.cnn import CNNParams, CNNSpec
from riskscope.models.custom import CustomParams, CustomSpec
from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.functional_ensemble import FunctionalEnsemble
from riskscope.models.linear_net import LinearParams, LinearSpec
from riskscope.models.mlp import MLP
from riskscope.models.mlp_spec import Activation, MLPSpec, Parameterization
from riskscope.models.random_features_net import RandomFeaturesParams, RandomFeaturesSpec
from riskscope.models.resnet import ResNetParams, ResNetSpec
from riskscope.models.stacked_ensemble import StackedEnsemble
from riskscope.models.transformer import TransformerFamilySpec, TransformerParams


class MLPParams(Params):
    """The `[model]` section of family "mlp" (see `MLPSpec` for the parameterizations)."""

    family: Literal["mlp"] = "mlp"
    width: int = Field(default=64, gt=0)
    depth: int = Field(default=2, ge=1)
    activation: Activation = "relu"
    bias: bool = True
    parameterization: Parameterization = "standard"
    init_scale: float = Field(default=1.0, gt=0)
    bias_init_std: float = Field(default=0.0, ge=0)


FAMILY_PARAMS: dict[str, type[Params]] = {
    "mlp": MLPParams,
    "cnn": CNNParams,
    "resnet": ResNetParams,
    "transformer": TransformerParams,
    "random-features": RandomFeaturesParams,
    "linear": LinearParams,
    "custom": CustomParams,
}
_SPECS = {"cnn": CNNSpec, "resnet": ResNetSpec, "random-features": RandomFeaturesSpec,
          "linear": LinearSpec, "custom": CustomSpec, "transformer": TransformerFamilySpec}
FAMILIES = tuple(FAMILY_PARAMS)


def validate_model_section(data: Any, prefix: str = "model") -> dict:
    """The default-filled `[model]` table of its family, or SpecError naming the field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpecError(prefix, data, "a table with a family and its parameters")
    family = data.get("family", "mlp")
    if not isinstance(family, str) or family not in FAMILY_PARAMS:
        raise unknown_name_error(f"{prefix}.family", str(family), FAMILY_PARAMS)
    return validate_params(FAMILY_PARAMS[family], {**data, "family": family}, prefix)\
        .model_dump()


def model_spec(section: dict, task) -> Any:
    """The family's spec for `task` (anything with input_dim, output_dim): an `MLPSpec` for
    "mlp" (exactly as before families existed), else the family's spec class. Shape errors
    (a CNN deeper than its input allows, a non-square 2-D input) are SpecErrors here."""
    section = validate_model_section(section)
    family = section.pop("family")
    dims = {"input_dim": task.input_dim, "output_dim": task.output_dim}
    if family == "mlp":
        return MLPSpec(**dims, **section)
    if family == "transformer":
        dims["token_size"] = int(getattr(task, "modulus", 1) or 1)
    spec = _SPECS[family](**dims, **section)
    _check_shape(spec)
    return spec


def _check_shape(spec) -> None:
    if isinstance(spec, CNNSpec):
        spec.feature_shape()
    elif isinstance(spec, ResNetSpec):
        _ = spec.shape
    elif isinstance(spec, TransformerFamilySpec):
        _ = spec.patch
    elif isinstance(spec, (CustomSpec, LinearSpec)):
        spec.check()


def family_of(spec) -> str:
    """The family name of a spec made by `model_spec`."""
    return "mlp" if isinstance(spec, MLPSpec) else spec.family


def build_ensemble(spec, seeds: Sequence[int], device: torch.device | str = "cpu",
                   dtype: torch.dtype = torch.float32) -> torch.nn.Module:
    """M = len(seeds) members of `spec` as one ensemble on `device`, in eval mode (what
    follows a build is usually a measurement; the trainer switches to train mode for its
    steps and back)."""
    if isinstance(spec, MLPSpec):
        return MLPEnsemble.from_seeds(spec, seeds, device=device, dtype=dtype).eval()
    if isinstance(spec, (CNNSpec, ResNetSpec, RandomFeaturesSpec, LinearSpec)):
        ens = StackedEnsemble.from_seeds(spec, seeds, device=device)
    else:
        members = [spec.network(torch_generator(s)) for s in seeds]
        ens = FunctionalEnsemble(members, vectorize=getattr(spec, "vectorize", True))
        ens.spec = spec
    return ens.to(device=device, dtype=dtype).eval()


def build_member(spec, seed: int) -> torch.nn.Module:
    """The plain network member `seed` of `build_ensemble` is (bit-for-bit), in eval mode."""
    if isinstance(spec, MLPSpec):
        return MLP(spec, torch_generator(seed)).eval()
    return spec.network(generator=torch_generator(seed)).eval()
