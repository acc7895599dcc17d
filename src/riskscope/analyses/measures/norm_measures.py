"""Norm- and margin-based complexity measures (Jiang et al. 2020, "Fantastic generalization
measures and where to find them", Appendix C), biases excluded, d = number of weight layers,
γ = 10th percentile of the training margins, m = number of training examples:

    num_parameters                     ω, all parameters
    parameter_norm                     ‖w‖²₂ (all parameters)
    distance_from_init                 ‖w − w⁰‖²₂ (all parameters)
    log_frobenius_product              ln Π‖W_i‖_F²
    frobenius_sum                      d (Π‖W_i‖_F²)^{1/d}
    log_spectral_product               ln Π‖W_i‖₂²
    spectral_sum                       d (Π‖W_i‖₂²)^{1/d}
    frobenius_over_spectral            Σ ‖W_i‖_F² / ‖W_i‖₂²
    frobenius_distance_from_init       Σ ‖W_i − W_i⁰‖_F²
    spectral_distance_from_init        Σ ‖W_i − W_i⁰‖₂²
    path_norm                          squared ℓ2 path norm (riskscope.probes.complexity)
    inverse_margin                     1/γ²
    log_spectral_product_over_margin   ln(Π‖W_i‖₂² / γ²)
    log_frobenius_product_over_margin  ln(Π‖W_i‖_F² / γ²)
    path_norm_over_margin              path_norm / γ²
    log_spectral_margin_complexity     ln(R_A² / γ²), R_A of Bartlett et al. 2017 (references 0)
    log_pac_bayes_spectral_complexity  ln(Π‖W_i‖₂² Σ‖W_i‖_F²/‖W_i‖₂² / γ²) (Neyshabur et al. 2018)

Margin-normalized measures are NaN when γ ≤ 0 (more than 10% of the training set
misclassified); init-based ones are NaN without an initialization.

Layers are those of a chain x → W_1 → σ → … → W_L (`probes.complexity.forward_chain`): the
products of layer norms, the margin complexities and the path norm (square the weights,
forward all-ones) stand for bounds and computations stated for chains, so for a network that
is not one (a ResNet's skip connections, a random-features net's fixed buffer map:
`CHAIN_MEASURES`) they are NaN; the sums of per-layer quantities (distances from init,
frobenius_over_spectral) and the parameter-level measures stay. A network with parameters
outside weight layers (transformers, normalized nets) has NaN for every layer-wise measure.
`layer_measures_unavailable` says why, in words. Measures are not bounds: any elementwise
activation is accepted (the norm bounds themselves require 1-Lipschitz ones).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from riskscope.analyses.bounds.norm_bounds import spectral_complexity
from riskscope.core.errors import SpecError
from riskscope.probes.complexity.forward_chain import chain_limitation
from riskscope.probes.complexity.layers import check_supported_layers, supports_weight_layers
from riskscope.probes.complexity.margins import output_margins
from riskscope.probes.complexity.norms import layer_norms
from riskscope.probes.complexity.path_norm import path_norm
from riskscope.tasks.base import Dataset


def _flat(params) -> torch.Tensor:
    return torch.cat([p.detach().double().reshape(-1) for p in params])


def norm_measures(model: nn.Module, data: Dataset, init: dict[str, torch.Tensor] | None,
                  margin_quantile: float = 0.1) -> dict[str, float]:
    if not supports_weight_layers(model):
        return _parameter_measures(model, data, init, margin_quantile)
    chain = chain_limitation(model, data.x) is None
    norms = layer_norms(model, data.x, init=None)
    d = len(norms)
    w = _flat(model.parameters())
    out: dict[str, float] = {"num_parameters": float(w.numel()),
                             "parameter_norm": float(w.pow(2).sum())}
    if init is not None:
        w0 = _flat(init[name] for name, _ in model.named_parameters())
        out["distance_from_init"] = float((w - w0).pow(2).sum())
        with_init = layer_norms(model, data.x, init=init)
        out["frobenius_distance_from_init"] = sum(n.frobenius_distance ** 2 for n in with_init)
        out["spectral_distance_from_init"] = sum(n.spectral_distance ** 2 for n in with_init)
    else:
        for key in ("distance_from_init", "frobenius_distance_from_init",
                    "spectral_distance_from_init"):
            out[key] = math.nan
    log_fro = sum(2 * math.log(n.frobenius) for n in norms)
    log_spec = sum(2 * math.log(n.spectral) for n in norms)
    out["log_frobenius_product"] = log_fro
    out["frobenius_sum"] = d * math.exp(log_fro / d)
    out["log_spectral_product"] = log_spec
    out["spectral_sum"] = d * math.exp(log_spec / d)
    fro_over_spec = sum(n.frobenius ** 2 / n.spectral ** 2 for n in norms)
    out["frobenius_over_spectral"] = fro_over_spec
    phi = path_norm(model, tuple(data.x.shape[1:]))
    out["path_norm"] = phi
    gamma = float(torch.quantile(output_margins(model, data), margin_quantile))
    if gamma > 0:
        log_g2 = 2 * math.log(gamma)
        out["inverse_margin"] = 1 / gamma ** 2
        out["log_spectral_product_over_margin"] = log_spec - log_g2
        out["log_frobenius_product_over_margin"] = log_fro - log_g2
        out["path_norm_over_margin"] = phi / gamma ** 2
        out["log_spectral_margin_complexity"] = 2 * math.log(spectral_complexity(norms)) - log_g2
        out["log_pac_bayes_spectral_complexity"] = log_spec + math.log(fro_over_spec) - log_g2
    else:
        for key in ("inverse_margin", "log_spectral_product_over_margin",
                    "log_frobenius_product_over_margin", "path_norm_over_margin",
                    "log_spectral_margin_complexity", "log_pac_bayes_spectral_complexity"):
            out[key] = math.nan
    out["margin"] = gamma
    if not chain:
        out.update({key: math.nan for key in CHAIN_MEASURES})
    return out


def layer_measures_unavailable(model: nn.Module, x: torch.Tensor) -> str | None:
    """None when every layer-wise measure is defined for `model`, else why some are NaN."""
    try:
        check_supported_layers(model)
    except SpecError as exc:
        return f"layer-wise measures NaN: {exc}"
    reason = chain_limitation(model, x)
    return None if reason is None else f"{', '.join(CHAIN_MEASURES)} NaN: {reason}"


#: measures stated for chains of layers (NaN for networks that are not one)
CHAIN_MEASURES = ("log_frobenius_product", "frobenius_sum", "log_spectral_product",
                  "spectral_sum", "path_norm", "log_spectral_product_over_margin",
                  "log_frobenius_product_over_margin", "path_norm_over_margin",
                  "log_spectral_margin_complexity", "log_pac_bayes_spectral_complexity")

#: measures defined through weight layers (NaN for networks that are not a stack of them)
LAYER_MEASURES = ("frobenius_distance_from_init", "spectral_distance_from_init",
                  "log_frobenius_product", "frobenius_sum", "log_spectral_product",
                  "spectral_sum", "frobenius_over_spectral", "path_norm",
                  "log_spectral_product_over_margin", "log_frobenius_product_over_margin",
                  "path_norm_over_margin", "log_spectral_margin_complexity",
                  "log_pac_bayes_spectral_complexity")


def _parameter_measures(model: nn.Module, data: Dataset, init: dict[str, torch.Tensor] | None,
                        margin_quantile: float) -> dict[str, float]:
    """The measures of a network with layers the layer norms do not cover (transformers,
    normalized ResNets): parameter counts and norms, distance from init and the margin;
    the layer-wise ones NaN."""
    w = _flat(model.parameters())
    out = {"num_parameters": float(w.numel()), "parameter_norm": float(w.pow(2).sum())}
    out["distance_from_init"] = math.nan if init is None else float(
        (w - _flat(init[name] for name, _ in model.named_parameters())).pow(2).sum())
    out.update({key: math.nan for key in LAYER_MEASURES})
    gamma = float(torch.quantile(output_margins(model, data), margin_quantile))
    out["inverse_margin"] = 1 / gamma ** 2 if gamma > 0 else math.nan
    out["margin"] = gamma
    return out
