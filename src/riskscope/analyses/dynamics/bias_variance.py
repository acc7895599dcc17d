"""Bias and variance over an ensemble's members (seeds), squared-error decomposition.

For predictions f_m(x) [M, n, k] of M members (trained with different seeds: initialization
and, unless fixed, training set) and targets t(x) [n, k], with f̄ = mean over members:
    mean_m ‖f_m − t‖²  =  ‖f̄ − t‖²  +  mean_m ‖f_m − f̄‖²       (exact identity)
         (mean risk)       (bias²)       (variance)
averaged over the n test points. Classification uses softmax probabilities against one-hot
labels (Yang et al. 2020, "Rethinking bias-variance trade-off"); regression the outputs
against the noiseless target. The variance uses 1/M (not 1/(M − 1)), so the identity holds.
"""

from __future__ import annotations

import torch


def bias_variance(predictions: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    """{"risk", "bias2", "variance"} with risk = bias2 + variance (see module doc)."""
    p = predictions.double()
    t = target.double().expand_as(p[0])
    mean = p.mean(0)
    bias2 = float((mean - t).pow(2).sum(-1).mean())
    variance = float((p - mean).pow(2).sum(-1).mean())
    risk = float((p - t).pow(2).sum(-1).mean())
    return {"risk": risk, "bias2": bias2, "variance": variance}


def peak_location(sizes, risks) -> float:
    """The size (width, parameters, n) at which the mean risk is largest."""
    sizes, risks = list(sizes), list(risks)
    return float(sizes[max(range(len(risks)), key=risks.__getitem__)])
