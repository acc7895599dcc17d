"""Weight-spectrum measures of heavy-tailed self-regularization (Martin & Mahoney 2021, JMLR
and Nature Communications), averaged over the layers with a power-law fit:

    mean_alpha            mean over layers of the ESD tail exponent α (smaller = heavier tail,
                          said to go with better-trained layers)
    mean_alpha_weighted   mean of α̂ = α · log10 λ_max (Nature Comm. 2021's quality metric)
    mean_stable_rank      mean over all weight layers of ‖W‖_F² / ‖W‖₂²

Definitions and conventions (X = WᵀW/N, conv kernels cut per position, layers with fewer than
20 eigenvalues not fitted) in riskscope.probes.spectra.weight_spectra. A network whose layers
are all too small to fit has NaN α measures; those models drop out of the α scores.
"""

from __future__ import annotations

from torch import nn

from riskscope.probes.spectra import spectra_summary, weight_spectra

__all__ = ["SPECTRAL_MEASURES", "spectral_measures"]

SPECTRAL_MEASURES = ("mean_alpha", "mean_alpha_weighted", "mean_stable_rank")


def spectral_measures(model: nn.Module) -> dict[str, float]:
    summary = spectra_summary(weight_spectra(model))
    return {"mean_alpha": summary["alpha_mean"],
            "mean_alpha_weighted": summary["alpha_weighted_mean"],
            "mean_stable_rank": summary["stable_rank_mean"]}
