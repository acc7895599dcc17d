"""`complexity_measures(model, data, init=...)`: the complexity measures of Jiang et al. 2020 for
any classifier made of Linear and Conv layers, as one flat dict of floats.

Groups (definitions in each module): norm_measures (norms, distances, path norm, margins),
perturbation_measures (sharpness and PAC-Bayes flatness, plain and magnitude-aware),
gradient_measures (Fisher-Rao norm, gradient noise), spectral_measures (heavy-tailed weight
spectra: mean α, weighted α̂, stable rank; Martin & Mahoney 2021), speed (steps to reach a
loss; needs the training curve). `MEASURE_SCALING` says how Jiang et al. put each on a
bound's scale: "log" measures as ½(value − ln m), "sqrt" ones as √(value/m), "none" left as
they are. The scaling is monotone for a fixed m, so it does not change rank-based scores
(τ, Ψ, CMI).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from riskscope.analyses.measures.gradient_measures import gradient_statistics
from riskscope.analyses.measures.norm_measures import norm_measures
from riskscope.analyses.measures.perturbation import (
    random_perturbation_scale,
    worst_case_perturbation_scale,
)
from riskscope.analyses.measures.perturbation_measures import perturbation_measures
from riskscope.analyses.measures.settings import MeasureSettings
from riskscope.analyses.measures.spectral_measures import spectral_measures
from riskscope.analyses.measures.speed import speed_measures
from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed
from riskscope.core.validation import validate_params
from riskscope.models.modes import buffers_preserved, evaluation_mode
from riskscope.probes.complexity.data_input import as_dataset
from riskscope.probes.complexity.norms import init_state

MEASURE_SCALING: dict[str, str] = {
    "num_parameters": "none", "parameter_norm": "sqrt", "distance_from_init": "sqrt",
    "log_frobenius_product": "log", "frobenius_sum": "sqrt", "log_spectral_product": "log",
    "spectral_sum": "sqrt", "frobenius_over_spectral": "none",
    "frobenius_distance_from_init": "sqrt", "spectral_distance_from_init": "sqrt",
    "path_norm": "sqrt", "inverse_margin": "sqrt", "log_spectral_product_over_margin": "log",
    "log_frobenius_product_over_margin": "log", "path_norm_over_margin": "sqrt",
    "log_spectral_margin_complexity": "log", "log_pac_bayes_spectral_complexity": "log",
    "fisher_rao_norm": "sqrt", "gradient_noise": "none",
    "pac_bayes_init": "sqrt", "pac_bayes_orig": "sqrt", "pac_bayes_flatness": "sqrt",
    "pac_bayes_mag_init": "sqrt", "pac_bayes_mag_flatness": "sqrt",
    "sharpness_init": "sqrt", "sharpness_orig": "sqrt", "sharpness_flatness": "sqrt",
    "sharpness_mag_init": "sqrt", "sharpness_mag_flatness": "sqrt",
    "steps_to_loss_0p1": "none", "steps_from_loss_0p1_to_0p01": "none",
    "mean_alpha": "none", "mean_alpha_weighted": "none", "mean_stable_rank": "none",
}
#: every measure's name (the margin itself is returned too, as information, not a measure)
MEASURES = tuple(MEASURE_SCALING)


def scale_measure(name: str, value: float, m: int) -> float:
    """Jiang et al.'s scaling of a measure to a bound's scale (NaN stays NaN)."""
    kind = MEASURE_SCALING[name]
    if kind == "log":
        return 0.5 * (value - math.log(m))
    if kind == "sqrt":
        return math.sqrt(value / m) if value >= 0 else math.nan
    return value


def _subset(data, k: int, seed: int):
    if len(data) <= k:
        return data
    return data.subset(torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:k])


def complexity_measures(model: nn.Module, data, *,
                        init: nn.Module | Mapping[str, torch.Tensor] | None,
                        training_curve: tuple[Sequence[int], Sequence[float]] | None = None,
                        seed: int = 0, **settings) -> dict[str, float]:
    """Every measure of `MEASURES` (plus `margin`) for `model` trained on `data`.

    data:           the training data (DataLoader, (x, y) or Dataset).
    init:           the weights at initialization (module or state dict); None gives NaN for
                    the measures that need it.
    training_curve: (steps, training cross-entropy) for the speed measures (NaN without).
    settings:       fields of `MeasureSettings`.
    Measured in eval mode (batch norm with its running statistics); the model's mode and
    buffers are left as they were.
    """
    s = validate_params(MeasureSettings, settings, prefix="settings")
    with evaluation_mode(model), buffers_preserved(model):  # measure the network, leave it
        return _measures(model, data, init, training_curve, seed, s)


def _measures(model, data, init, training_curve, seed, s) -> dict[str, float]:
    train = as_dataset(data, "data")
    w0 = init_state(init)
    if w0 is not None:
        for name, p in model.named_parameters():
            if name not in w0 or w0[name].shape != p.shape:
                raise SpecError(f"init[{name!r}]", "missing" if name not in w0 else
                                tuple(w0[name].shape), f"shape {tuple(p.shape)}")
    device = next(model.parameters()).device
    w0 = None if w0 is None else {n: t.to(device) for n, t in w0.items()}
    m = len(train)
    out = norm_measures(model, train, w0, s.margin_quantile)
    grads = _subset(train, s.gradient_examples, derive_seed(seed, "gradient-subset"))
    out.update(gradient_statistics(model, grads))
    out.update(spectral_measures(model))
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    flat0 = None if w0 is None else torch.cat([w0[n].reshape(-1)
                                               for n, _ in model.named_parameters()])
    if s.perturbation:
        sub = _subset(train, s.perturbation_examples, derive_seed(seed, "perturbation-subset"))
        common = dict(target=s.target_deviation, tolerance=s.deviation_tolerance,
                      iterations=s.search_iterations, eps=s.magnitude_eps)
        scales = {}
        for key, mag in (("random", False), ("random_mag", True)):
            scales[key] = random_perturbation_scale(
                model, sub, magnitude_aware=mag, seed=derive_seed(seed, key),
                draws=s.perturbation_draws, **common)
        for key, mag in (("worst", False), ("worst_mag", True)):
            scales[key] = worst_case_perturbation_scale(
                model, sub, magnitude_aware=mag, seed=derive_seed(seed, key),
                ascent_steps=s.ascent_steps, **common)
        out.update(perturbation_measures(flat, flat0, m, scales, s.magnitude_eps))
        out.update({f"scale_{k}": v for k, v in scales.items()})
    else:
        out.update({name: math.nan for name in MEASURES if name.startswith(("pac_", "sharp"))})
    if training_curve is not None:
        out.update(speed_measures(*training_curve))
    else:
        out.update({"steps_to_loss_0p1": math.nan, "steps_from_loss_0p1_to_0p01": math.nan})
    return out
