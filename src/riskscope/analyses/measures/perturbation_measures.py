"""Sharpness and PAC-Bayes flatness measures from the perturbation scales (Jiang et al. 2020,
Appendix C.6-C.7; conventions in docs/generalization.md). With ω parameters, m training
examples, w⁰ the initialization, σ (α) the random (worst-case) scale of perturbation.py and
σ′ (α′) their magnitude-aware versions, ε = 1e-3:

    pac_bayes_init          ‖w − w⁰‖²/(4σ²) + ln(m/σ) + 10
    pac_bayes_orig          ‖w‖²/(4σ²) + ln(m/σ) + 10
    pac_bayes_flatness      1/σ²
    pac_bayes_mag_init      ¼ Σ_j ln((ε² + (σ′² + 1)‖w − w⁰‖²/ω) / (ε² + σ′²(w_j − w⁰_j)²))
                            + ln(m/σ′) + 10
    pac_bayes_mag_flatness  1/σ′²
    sharpness_init          ‖w − w⁰‖² ln(2ω)/(4α²) + ln(m/α) + 10
    sharpness_orig          ‖w‖² ln(2ω)/(4α²) + ln(m/α) + 10
    sharpness_flatness      1/α²
    sharpness_mag_init      as pac_bayes_mag_init with α′ (and the ln(2ω) factor inside ¼)
    sharpness_mag_flatness  1/α′²

The magnitude-aware forms are ½·KL(N(w, s_j²) ‖ N(w⁰, s_P²)) with s_j² = ε² + σ′²(w_j − w⁰_j)²
and the best isotropic s_P², which is how they arise (halved as Jiang et al. halve the plain
forms: ‖w − w⁰‖²/(4σ²) is ½ of the KL to N(w⁰, σ²I)).
"""

from __future__ import annotations

import math

import torch


def _mag(delta: torch.Tensor, scale: float, eps: float) -> float:
    omega = delta.numel()
    prior = eps**2 + (scale**2 + 1) * float(delta.pow(2).sum()) / omega
    return 0.25 * float(torch.log(prior / (eps**2 + scale**2 * delta.pow(2))).sum())


def perturbation_measures(w: torch.Tensor, w0: torch.Tensor | None, m: int,
                          scales: dict[str, float], eps: float = 1e-3) -> dict[str, float]:
    """Measures from flat parameters w (and w0) and the scales {random, random_mag, worst,
    worst_mag}; init-based ones are NaN without w0."""
    w = w.double()
    omega = w.numel()
    dist2 = float((w - w0.double()).pow(2).sum()) if w0 is not None else math.nan
    norm2 = float(w.pow(2).sum())
    s, sm, a, am = (scales[k] for k in ("random", "random_mag", "worst", "worst_mag"))
    log2w = math.log(2 * omega)
    delta = (w - w0.double()) if w0 is not None else None
    return {
        "pac_bayes_init": dist2 / (4 * s**2) + math.log(m / s) + 10,
        "pac_bayes_orig": norm2 / (4 * s**2) + math.log(m / s) + 10,
        "pac_bayes_flatness": 1 / s**2,
        "pac_bayes_mag_init": (_mag(delta, sm, eps) + math.log(m / sm) + 10
                               if delta is not None else math.nan),
        "pac_bayes_mag_flatness": 1 / sm**2,
        "sharpness_init": dist2 * log2w / (4 * a**2) + math.log(m / a) + 10,
        "sharpness_orig": norm2 * log2w / (4 * a**2) + math.log(m / a) + 10,
        "sharpness_flatness": 1 / a**2,
        "sharpness_mag_init": (log2w * _mag(delta, am, eps) + math.log(m / am) + 10
                               if delta is not None else math.nan),
        "sharpness_mag_flatness": 1 / am**2,
    }
