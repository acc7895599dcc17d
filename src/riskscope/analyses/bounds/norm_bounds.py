"""Norm- and margin-based generalization bounds of a trained classifier, each with its ratio to
the observed generalization gap (test error − training error). Biases are ignored, as in the
papers; activations are taken 1-Lipschitz with σ(0) = 0 (ReLU, tanh), positively homogeneous
where a bound requires it (ReLU).

Notation: n training examples, X their inputs (‖X‖_F = √Σ‖x_i‖², B = max ‖x_i‖), L weight
layers W_i, K classes, γ the margin (10th percentile of the training margins, Jiang et al.
2020), L̂_γ the fraction of training margins ≤ γ, U the largest number of units of any layer
(input included).

- spectral_margin (Bartlett, Foster & Telgarsky 2017), with references M_i (the initialization
  when given, else 0): R_A = (Π‖W_i‖₂)(Σ (‖W_iᵀ − M_iᵀ‖_{2,1}/‖W_i‖₂)^{2/3})^{3/2};
  term ‖X‖_F R_A / (γn); bound L̂_γ + 8/n + 72 ‖X‖_F R_A ln(2U) ln(n)/(γn) + 3√(ln(1/δ)/(2n)).
- pac_bayes_spectral (Neyshabur, Bhojanapalli & Srebro 2018), with Γ = Π‖W_i‖₂² Σ‖W_i‖_F²/‖W_i‖₂²:
  term √(B² L² U ln(LU) Γ / (γ² n)); bound L̂_γ + 4√((KL + ln(6n/δ))/(n − 1)) with
  KL = 42² L² B² U ln(4LU) Γ / (2γ²) (their σ = γ/(42 L B β^{L−1} √(U ln(4LU)))).
- frobenius (Golowich, Rakhlin & Shamir 2018): term B(√(2 ln2 · L) + 1)Π‖W_i‖_F/(γ√n);
  bound L̂_γ + 4K R̂/γ + 3√(ln(2/δ)/(2n)), R̂ = (√(2 ln2 · L) + 1)Π‖W_i‖_F ‖X‖_F / n (their
  empirical Rademacher bound per output, in the multi-class margin bound of Mohri et al. 2018).
- path_norm (Neyshabur, Tomioka & Srebro 2015): term B √φ / (γ√n) with φ the squared ℓ2 path
  norm without biases; its depth-dependent constant is omitted and no bound is stated (NaN).

The bounds are stated for a chain x → W_1 → σ → … → W_L: the layers are taken in the order one
forward pass applies them (`probes.complexity.forward_chain`, not registration order), K is the
width of the model's output, and a network that is not a chain (a skip connection, a merge, a
layer applied twice, a fixed buffer map between layers: ResNets, random features) is refused
with NotAChainError naming the module where the chain breaks; maps between layers that are not
1-Lipschitz with σ(0) = 0 (gelu, sigmoid, softplus, ...) are refused with a SpecError. With
1-Lipschitz but not positively homogeneous activations (tanh) only spectral_margin and the
path_norm term (Jiang et al.'s proxy there) are given; frobenius and pac_bayes_spectral, whose
proofs rescale layers through homogeneity, are NaN and named in `NormBoundReport.unavailable`.
Convolutions are layers of the chain (poolings with stride = kernel are 1-Lipschitz maps
between them).

"Bounds" here treat the norms as fixed before seeing the data: the union bounds over norm
scales in the papers' theorems (which add lower-order logarithmic terms) are omitted, so they
are slightly optimistic versions of the stated theorems. A conv layer's ‖W‖₂ is the operator
norm on its actual input; its ‖·‖_F and ‖·‖_{2,1} are those of the reshaped kernel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from riskscope.analyses.bounds.monte_carlo import deterministic_error
from riskscope.analyses.bounds.pac_bayes_bounds import check_delta
from riskscope.core.errors import SpecError
from riskscope.probes.complexity.data_input import as_dataset
from riskscope.probes.complexity.forward_chain import forward_chain
from riskscope.probes.complexity.margins import output_margins
from riskscope.probes.complexity.norms import LayerNorms, layer_norms
from riskscope.probes.complexity.path_norm import path_norm


@dataclass(frozen=True)
class NormBound:
    """term: the margin-normalized complexity (constants omitted, see module docstring);
    bound: the error bound with explicit constants (NaN if none); the ratios divide term and
    bound − L̂_γ by the observed gap (NaN when the gap is not positive)."""

    name: str
    term: float
    bound: float
    term_over_gap: float
    excess_bound_over_gap: float


@dataclass(frozen=True)
class NormBoundReport:
    margin: float
    margin_loss: float
    train_error: float
    test_error: float
    gap: float
    bounds: dict[str, NormBound]
    #: bounds not valid for this network (NaN in `bounds`), with the reason
    unavailable: dict[str, str] = field(default_factory=dict)

    def flat(self) -> dict[str, float]:
        out = {k: v for k, v in asdict(self).items() if k not in ("bounds", "unavailable")}
        for name, b in self.bounds.items():
            out[f"{name}_term"] = b.term
            out[f"{name}_bound"] = b.bound
            out[f"{name}_term_over_gap"] = b.term_over_gap
            out[f"{name}_excess_bound_over_gap"] = b.excess_bound_over_gap
        return out


def spectral_complexity(norms: list[LayerNorms]) -> float:
    """R_A of Bartlett et al. 2017 (Lipschitz constants ρ_i = 1)."""
    product = math.prod(n.spectral for n in norms)
    correction = sum((n.two_one / n.spectral) ** (2 / 3) for n in norms) ** 1.5
    return product * correction


def _ratio(x: float, gap: float) -> float:
    return x / gap if gap > 0 and math.isfinite(x) else math.nan


def norm_bounds_unavailable(model: nn.Module, x: torch.Tensor) -> str | None:
    """None when `norm_bounds` accepts `model` (a chain of weight layers with 1-Lipschitz
    maps between them), else the reason it refuses it, in words."""
    try:
        chain = forward_chain(model, x)
    except SpecError as exc:  # NotAChainError, or parameters outside weight layers
        return f"norm bounds not available: {exc}"
    if not chain.lipschitz:
        return (f"norm bounds not available: maps between layers "
                f"{', '.join(chain.activations)} are not all 1-Lipschitz with σ(0) = 0")
    return None


def norm_bounds(model: nn.Module, data, test_data=None, *,
                init: nn.Module | Mapping[str, torch.Tensor] | None = None,
                delta: float = 0.05, margin_quantile: float = 0.1, seed: int = 0,
                gap: float | None = None) -> NormBoundReport:
    """The four bounds of the module docstring for `model` trained on `data`.

    The gap is test error − training error on `test_data` (or `gap` if given; NaN ratios
    without either)."""
    check_delta(delta)
    train = as_dataset(data, "data")
    n = len(train)
    chain = forward_chain(model, train.x)
    if not chain.lipschitz:
        raise SpecError("model", f"maps between layers {', '.join(chain.activations)}",
                        "1-Lipschitz activations with σ(0) = 0 (relu, leaky_relu, tanh, "
                        "hardtanh) and poolings with stride = kernel size",
                        "the bounds take every map between layers to be 1-Lipschitz")
    norms = layer_norms(model, train.x, init=init, seed=seed, layers=chain.layers,
                        input_shapes=chain.input_shapes)
    units = chain.units
    depth = len(chain.layers)
    classes = chain.output_width
    x = train.x.reshape(n, -1).double()
    x_fro, radius = float(x.norm()), float(x.norm(dim=1).max())
    margins = output_margins(model, train)
    gamma = float(torch.quantile(margins, margin_quantile))
    margin_loss = float((margins <= gamma).double().mean())
    train_error = deterministic_error(model, train)
    test_error = math.nan
    if test_data is not None:
        test_error = deterministic_error(model, as_dataset(test_data, "test_data"))
    observed = gap if gap is not None else test_error - train_error
    spec2 = math.prod(nm.spectral ** 2 for nm in norms)
    fro_ratio = sum(nm.frobenius ** 2 / nm.spectral ** 2 for nm in norms)
    fro_prod = math.prod(nm.frobenius for nm in norms)
    input_shape = tuple(train.x.shape[1:])
    phi = path_norm(model, input_shape, include_biases=False)
    out: dict[str, NormBound] = {}

    def add(name: str, term: float, bound: float) -> None:
        out[name] = NormBound(name, term, bound, _ratio(term, observed),
                              _ratio(bound - margin_loss, observed))

    if gamma <= 0:  # no positive margin: every margin-normalized quantity is undefined
        for name in ("spectral_margin", "pac_bayes_spectral", "frobenius", "path_norm"):
            add(name, math.inf, 1.0)
    else:
        r_a = spectral_complexity(norms)
        add("spectral_margin", x_fro * r_a / (gamma * n),
            margin_loss + 8 / n + 72 * x_fro * r_a * math.log(2 * units) * math.log(n)
            / (gamma * n) + 3 * math.sqrt(math.log(1 / delta) / (2 * n)))
        gamma_ns = radius ** 2 * depth ** 2 * units * spec2 * fro_ratio / gamma ** 2
        kl = 42 ** 2 * gamma_ns * math.log(4 * depth * units) / 2
        add("pac_bayes_spectral", math.sqrt(gamma_ns * math.log(depth * units) / n),
            margin_loss + 4 * math.sqrt((kl + math.log(6 * n / delta)) / max(n - 1, 1)))
        c = math.sqrt(2 * math.log(2) * depth) + 1
        rademacher = c * fro_prod * x_fro / n
        add("frobenius", radius * c * fro_prod / (gamma * math.sqrt(n)),
            margin_loss + 4 * classes * rademacher / gamma
            + 3 * math.sqrt(math.log(2 / delta) / (2 * n)))
        add("path_norm", radius * math.sqrt(phi) / (gamma * math.sqrt(n)), math.nan)
    unavailable = {}
    if not chain.homogeneous:
        reason = (f"needs positively homogeneous activations; this network applies "
                  f"{', '.join(chain.activations)}")
        for name in ("pac_bayes_spectral", "frobenius"):
            add(name, math.nan, math.nan)
            unavailable[name] = reason
    return NormBoundReport(gamma, margin_loss, train_error, test_error, observed, out,
                           unavailable)
