"""Heavy-tailed self-regularization: the eigenvalue spectrum of every weight matrix.

Martin & Mahoney (2021, JMLR, "Implicit self-regularization in deep neural networks: evidence
from random matrix theory and implications for learning"; 2021, Nature Communications,
"Predicting trends in the quality of state-of-the-art neural networks without access to
training or testing data"). For a layer's weight W, N × M with N ≥ M (transposed if needed),
the empirical spectral density (ESD) is that of the M eigenvalues λ of X = WᵀW / N (the
squared singular values of W over N). Per layer:

    alpha           exponent of a power law ρ(λ) ∝ λ^−α fitted to the ESD's tail, x_min by the
                    KS method (riskscope.probes.spectra.power_law; Clauset et al. 2009)
    alpha_weighted  α̂ = α · log10 λ_max (Nature Comm. 2021; averaged over layers it tracks
                    test accuracy across pretrained models)
    stable_rank     Σ λ / λ_max = ‖W‖_F² / ‖W‖₂²
    mp_edge         bulk edge λ₊ = σ²(1 + √(M/N))² of the Marchenko–Pastur law of the matched
                    random matrix: same shape, i.i.d. entries of W's own entry variance σ²
                    (what W becomes when its entries are shuffled)
    num_spikes      eigenvalues above λ₊

Conventions: biases are ignored. A convolution's kernel [c_out, c_in, k₁, …] is cut into one
c_out × c_in matrix per kernel position (Martin & Mahoney's reshaping, as in weightwatcher);
the layer's ESD pools the eigenvalues of all of them and σ² is the variance of the whole kernel.
Layers with fewer than `min_eigenvalues` eigenvalues (a 10-class output layer) get α = NaN:
a tail fit on a handful of points says nothing, and the summary means skip them (their stable
rank and spikes are still reported). Zero eigenvalues of rank-deficient layers are dropped
before the fit. Eigenvalues come from float64 SVDs.

Convention clash: the `weightwatcher` package takes the eigenvalues of WᵀW without the 1/N
(N times ours). α and the stable rank do not depend on the scale; its λ_max is N·ours and its
α̂ = ours + α·log10 N. We keep the 1/N of the JMLR paper, which puts a random layer's bulk at
the same place whatever its size (the MP edge depends only on σ² and M/N).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.models.member_layers import MemberConv, MemberLinear
from riskscope.models.mlp import ScaledLinear
from riskscope.probes.spectra.marchenko_pastur import marchenko_pastur_edges
from riskscope.probes.spectra.power_law import PowerLawFit, fit_power_law

__all__ = ["LayerSpectrum", "layer_matrices", "matrix_spectrum", "spectra_summary",
           "weight_spectra"]

_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


@dataclass(frozen=True)
class LayerSpectrum:
    """One layer's spectrum. eigenvalues: ascending, of X = WᵀW/N pooled over kernel positions;
    n, m: N ≥ M of each matrix; num_matrices: kernel positions (1 for a dense layer)."""

    name: str
    kind: str
    n: int
    m: int
    num_matrices: int
    eigenvalues: np.ndarray
    fit: PowerLawFit
    entry_variance: float
    mp_edge: float

    @property
    def alpha(self) -> float:
        return self.fit.alpha

    @property
    def lambda_max(self) -> float:
        return float(self.eigenvalues[-1]) if self.eigenvalues.size else math.nan

    @property
    def alpha_weighted(self) -> float:
        lam = self.lambda_max
        return self.fit.alpha * math.log10(lam) if lam > 0 else math.nan

    @property
    def stable_rank(self) -> float:
        lam = self.lambda_max
        return float(self.eigenvalues.sum() / lam) if lam > 0 else math.nan

    @property
    def num_spikes(self) -> int:
        return int((self.eigenvalues > self.mp_edge).sum())

    def as_dict(self) -> dict:
        """The scalars (no eigenvalues), JSON-able."""
        return {"name": self.name, "kind": self.kind, "n": self.n, "m": self.m,
                "num_matrices": self.num_matrices, "num_eigenvalues": int(self.eigenvalues.size),
                "alpha": self.alpha, "alpha_stderr": self.fit.alpha_stderr,
                "x_min": self.fit.x_min, "ks_distance": self.fit.ks_distance,
                "n_tail": self.fit.n_tail, "lambda_max": self.lambda_max,
                "alpha_weighted": self.alpha_weighted, "stable_rank": self.stable_rank,
                "mp_edge": self.mp_edge, "num_spikes": self.num_spikes,
                "entry_variance": self.entry_variance}


def _as_matrices(weight: torch.Tensor) -> torch.Tensor:
    """[out, in] → [1, out, in]; conv [out, in, *k] → [prod(k), out, in] (one per position)."""
    if weight.dim() < 2:
        raise SpecError("weight", tuple(weight.shape), "a matrix or a conv kernel (2+ dims)")
    if weight.dim() == 2:
        return weight.unsqueeze(0)
    out, inp = weight.shape[:2]
    return weight.reshape(out, inp, -1).permute(2, 0, 1)


def layer_matrices(model: nn.Module | Mapping[str, torch.Tensor]
                   ) -> list[tuple[str, str, torch.Tensor]]:
    """(name, kind, matrices [S, out, in]) of each Linear/Conv layer (effective weight of a
    riskscope ScaledLinear; riskscope's single-member conv/linear layers of the cnn and resnet
    families), or of each ≥ 2-dimensional tensor of a state dict. A module with none of those
    layers (e.g. the transformer family, whose weights are plain parameters) is read like its
    state dict."""
    found = []
    if isinstance(model, nn.Module) and not any(
            isinstance(m, (nn.Linear, ScaledLinear, MemberLinear, MemberConv, *_CONV))
            for m in model.modules()):
        model = dict(model.named_parameters())
    if isinstance(model, Mapping):
        for name, t in model.items():
            if torch.is_tensor(t) and t.dim() >= 2 and t.is_floating_point():
                found.append((name, "conv" if t.dim() > 2 else "linear", _as_matrices(t)))
    else:
        for name, module in model.named_modules():
            if isinstance(module, (nn.Linear, ScaledLinear, MemberLinear, MemberConv, *_CONV)):
                w = module.weight.detach()
                if isinstance(module, ScaledLinear):
                    w = w * module.multiplier
                if isinstance(module, (MemberLinear, MemberConv)) and \
                        getattr(module, "members", None) is not None:
                    raise SpecError("model", type(model).__name__, "one network (a member of "
                                    "an ensemble: ensemble.member(i)), not a stacked ensemble")
                kind = "conv" if isinstance(module, (MemberConv, *_CONV)) else "linear"
                found.append((name, kind, _as_matrices(w)))
    if not found:
        raise SpecError("model", type(model).__name__,
                        "a module with nn.Linear or nn.Conv layers, or a state dict with "
                        "weight matrices")
    return found


def matrix_spectrum(matrices: torch.Tensor, name: str = "", kind: str = "linear",
                    min_eigenvalues: int = 20, min_tail: int = 5) -> LayerSpectrum:
    """The spectrum of one layer given as matrices [S, a, b] (module docstring).

    >>> import torch
    >>> w = torch.randn(1, 400, 100, generator=torch.Generator().manual_seed(0))
    >>> s = matrix_spectrum(w)
    >>> s.n, s.m, round(s.mp_edge, 2), round(s.lambda_max, 1)    # λ₊ ≈ (1 + 1/2)² = 2.25
    (400, 100, 2.26, 2.3)
    """
    w = matrices.detach().to("cpu", torch.float64)
    if w.dim() == 2:
        w = w.unsqueeze(0)
    s, a, b = w.shape
    n, m = max(a, b), min(a, b)
    sv = torch.linalg.svdvals(w)                     # [S, min(a, b)]
    eig = np.sort((sv.pow(2) / n).reshape(-1).numpy())
    var = float(w.var(unbiased=False)) if w.numel() > 1 else 0.0
    edge = marchenko_pastur_edges(var, n, m)[1]
    positive = eig[eig > eig[-1] * 1e-12] if eig.size and eig[-1] > 0 else eig[:0]
    fit = (fit_power_law(positive, min_tail=min_tail) if positive.size >= min_eigenvalues
           else PowerLawFit(math.nan, math.nan, math.nan, math.nan, 0, int(positive.size)))
    return LayerSpectrum(name, kind, n, m, s, eig, fit, var, edge)


def weight_spectra(model: nn.Module | Mapping[str, torch.Tensor], *, min_eigenvalues: int = 20,
                   min_tail: int = 5) -> list[LayerSpectrum]:
    """The spectrum of every weight layer of `model` (an nn.Module or a state dict).

    >>> import torch
    >>> from torch import nn
    >>> torch.manual_seed(0) and None
    >>> net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    >>> layers = weight_spectra(net)
    >>> [(s.name, s.n, s.m, s.eigenvalues.size) for s in layers]
    [('0', 128, 64, 64), ('2', 128, 10, 10)]
    >>> math.isnan(layers[1].alpha), layers[0].alpha > 1     # 10 eigenvalues: too few to fit
    (True, True)
    """
    return [matrix_spectrum(mats, name, kind, min_eigenvalues, min_tail)
            for name, kind, mats in layer_matrices(model)]


def spectra_summary(spectra: list[LayerSpectrum]) -> dict[str, float]:
    """Layer averages (Martin & Mahoney 2021 average α and α̂ over layers): alpha_mean,
    alpha_weighted_mean (over layers with a fit), stable_rank_mean, log_stable_rank_sum
    (Σ ln stable rank), num_spikes (total), layers_fitted."""
    fitted = [s for s in spectra if math.isfinite(s.alpha)]
    ranks = [s.stable_rank for s in spectra if math.isfinite(s.stable_rank)]
    return {
        "alpha_mean": float(np.mean([s.alpha for s in fitted])) if fitted else math.nan,
        "alpha_weighted_mean": (float(np.mean([s.alpha_weighted for s in fitted]))
                                if fitted else math.nan),
        "stable_rank_mean": float(np.mean(ranks)) if ranks else math.nan,
        "log_stable_rank_sum": float(np.sum(np.log(ranks))) if ranks else math.nan,
        "num_spikes": float(sum(s.num_spikes for s in spectra)),
        "layers_fitted": float(len(fitted)),
    }
