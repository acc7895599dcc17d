"""Neural collapse NC1–NC4 of a classifier's last-layer features (Papyan, Han & Donoho 2020).

Features h_n ∈ R^p with labels c_n ∈ [C]; class means μ_c, global mean μ_G = mean of the μ_c
(the class-balanced mean, as in the paper), centred means M = [μ_c − μ_G]_c ∈ R^{C×p}.

    Σ_W = (1/N) Σ_n (h_n − μ_{c_n})(h_n − μ_{c_n})ᵀ,   Σ_B = (1/C) Σ_c (μ_c − μ_G)(μ_c − μ_G)ᵀ

- NC1 (variability collapse) = Tr(Σ_W Σ_B^†) / C  (Σ_B^† the pseudo-inverse); 0 at collapse.
- NC2 (simplex ETF): `nc2_equinorm` = std_c ‖μ_c − μ_G‖ / mean_c ‖μ_c − μ_G‖, and
  `nc2_equiangular` = mean_{c≠c'} |cos(μ_c − μ_G, μ_c' − μ_G) + 1/(C−1)|; both 0 at an ETF.
  Papyan et al. plot two angle measures: this one (their Fig. 4, "maximal-angle
  equiangularity") and the spread `nc2_cosine_std` = std_{c≠c'} cos(μ_c − μ_G, μ_c' − μ_G)
  (their Fig. 3, "equiangularity": 0 for any equiangular set, ETF or not); and the equinorm of
  the classifier rows too, `nc2_classifier_equinorm` = std_c ‖w_c‖ / mean_c ‖w_c‖.
- NC3 (self-duality) = ‖W/‖W‖_F − M/‖M‖_F‖_F² for the last-layer weights W [C, p]; 0 when the
  classifier rows are proportional to the centred class means.
- NC4 (nearest class centre) = fraction of examples where argmax_c (W h + b)_c differs from
  argmin_c ‖h − μ_c‖; 0 when the classifier behaves as the nearest-centre rule.
Standard deviations use ddof = 0. All computed in float64 for one network.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from riskscope.core.errors import SpecError


@dataclass(frozen=True)
class NeuralCollapse:
    nc1: float
    nc2_equinorm: float
    nc2_equiangular: float
    nc3: float
    nc4: float
    nc2_cosine_std: float
    nc2_classifier_equinorm: float

    def to_dict(self) -> dict:
        return asdict(self)


def neural_collapse(features: torch.Tensor, labels: torch.Tensor, weight: torch.Tensor,
                    bias: torch.Tensor | None, num_classes: int) -> NeuralCollapse:
    """NC1–NC4 of features [N, p], labels [N] in [0, C), classifier weight [C, p], bias [C].

    >>> import torch
    >>> means = torch.tensor([[1.0, 0.0], [-0.5, 0.866], [-0.5, -0.866]])  # a simplex ETF
    >>> nc = neural_collapse(means.repeat(4, 1), torch.arange(3).repeat(4), means, None, 3)
    >>> nc.nc1 < 1e-12      # no variability within a class: fully collapsed
    True
    """
    h = features.detach().double().cpu()
    y = labels.detach().cpu().long()
    w = weight.detach().double().cpu()
    C = num_classes
    present = torch.bincount(y, minlength=C)
    if C < 2 or (present == 0).any():
        raise SpecError("labels", present.tolist(), f"every one of the {C} classes present")
    if w.shape != (C, h.shape[1]):
        raise SpecError("weight", tuple(w.shape), f"[C, p] = [{C}, {h.shape[1]}]")
    means = torch.zeros(C, h.shape[1], dtype=torch.float64).index_add_(0, y, h)
    means /= present.unsqueeze(1).double()
    centred = means - means.mean(0)
    within = h - means[y]
    sigma_w = within.T @ within / h.shape[0]
    sigma_b = centred.T @ centred / C
    nc1 = float(torch.trace(sigma_w @ torch.linalg.pinv(sigma_b, hermitian=True))) / C
    norms = centred.norm(dim=1)
    unit = centred / norms.clamp_min(1e-300).unsqueeze(1)
    cos = unit @ unit.T
    off = ~torch.eye(C, dtype=torch.bool)
    nc2_angle = float((cos[off] + 1 / (C - 1)).abs().mean())
    nc2_spread = float(cos[off].std(unbiased=False))
    nc2_norm = float(norms.std(unbiased=False) / norms.mean())
    row_norms = w.norm(dim=1)
    nc2_w_norm = float(row_norms.std(unbiased=False) / row_norms.mean())
    nc3 = float((w / w.norm() - centred / centred.norm()).pow(2).sum())
    logits = h @ w.T + (0 if bias is None else bias.detach().double().cpu())
    nearest = torch.cdist(h, means).argmin(1)
    nc4 = float((logits.argmax(1) != nearest).double().mean())
    return NeuralCollapse(nc1, nc2_norm, nc2_angle, nc3, nc4, nc2_spread, nc2_w_norm)
