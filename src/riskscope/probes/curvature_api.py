"""One-call curvature of a model on data: top Hessian eigenvalues, Hessian trace, density.

`data` is an (x, y) pair, a `riskscope.tasks.Dataset` or a DataLoader; `loss` a name
("auto", "squared_error", "cross_entropy") or a callable that averages over the batch (see
data.py for the conventions: riskscope's squared error has no ½, so its Hessian is twice that
of the ½-convention loss of Cohen et al. 2021). The model is measured in the mode it is in
(a warning names dropout/batch-norm layers in training mode), at its trainable parameters.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate
from riskscope.probes.estimators.lanczos import EigenResult, Which, lanczos_top_eigenvalues
from riskscope.probes.estimators.slq import SpectralDensity, slq_spectral_density
from riskscope.probes.estimators.trace import hutchinson_trace, hutchplusplus_trace
from riskscope.probes.linops.data import LossFn
from riskscope.probes.linops.hessian import HessianOperator

TraceMethod = Literal["auto", "hutch++", "hutchinson", "exact"]


def hessian_top_eigenvalues(model: nn.Module, data, k: int = 1, *,
                            loss: str | LossFn = "auto", which: Which = "largest",
                            tol: float = 1e-3, max_iter: int | None = None,
                            rng: int | torch.Generator = 0, chunk_size: int | None = None,
                            return_eigenvectors: bool = False,
                            check_deterministic: bool = True) -> EigenResult:
    """The k largest (or `which`) eigenvalues of the Hessian of the mean loss, by Lanczos with
    full reorthogonalization, stopped on the Ritz residual (estimators/lanczos.py).
    λ_max is the sharpness of Cohen et al. (2021) for this loss convention.

    >>> import torch
    >>> net = torch.nn.Linear(3, 1, bias=False).double()
    >>> x = torch.eye(3, dtype=torch.float64)
    >>> y = torch.zeros(3, 1, dtype=torch.float64)
    >>> # mean squared error (no ½) of a linear model: H = 2 XᵀX / n = (2/3) I
    >>> [round(v, 6) for v in hessian_top_eigenvalues(net, (x, y), k=2).values()]
    [0.666667, 0.666667]
    """
    op = HessianOperator(model, data, loss, chunk_size=chunk_size,
                         check_deterministic=check_deterministic)
    return lanczos_top_eigenvalues(op, k, which=which, tol=tol, max_iter=max_iter, rng=rng,
                                   return_eigenvectors=return_eigenvectors)


def hessian_trace(model: nn.Module, data, *, loss: str | LossFn = "auto",
                  method: TraceMethod = "auto", num_products: int = 102,
                  rng: int | torch.Generator = 0, confidence: float = 0.95,
                  chunk_size: int | None = None, check_deterministic: bool = True) -> Estimate:
    """tr ∇²L: Hutch++ or Hutchinson with `num_products` products and a confidence interval,
    or "exact": Σ_i e_iᵀ H e_i from the P products with the unit vectors (P = number of
    trainable parameters). "auto" (default) is exact when P ≤ `num_products` (no more
    products than the estimate would spend, and no sampling error), else Hutch++. The result's
    `method` says which: "exact (P HVPs with the unit vectors)" or "hutch++ (rademacher)".

    >>> import torch
    >>> net = torch.nn.Linear(3, 1, bias=False).double()
    >>> data = (torch.eye(3, dtype=torch.float64), torch.zeros(3, 1, dtype=torch.float64))
    >>> round(hessian_trace(net, data, method="exact").value, 6)     # tr (2/3) I₃
    2.0
    """
    op = HessianOperator(model, data, loss, chunk_size=chunk_size,
                         check_deterministic=check_deterministic)
    if method == "auto":
        method = "exact" if op.shape[0] <= num_products else "hutch++"
    if method == "hutch++":
        return hutchplusplus_trace(op, num_products, rng=rng, confidence=confidence)
    if method == "hutchinson":
        return hutchinson_trace(op, num_products, rng=rng, confidence=confidence)
    if method == "exact":
        return Estimate.exact_value(float(torch.trace(op.to_dense())),
                                    method=f"exact ({op.shape[0]} HVPs with the unit vectors)")
    raise SpecError("method", method, "auto, hutch++, hutchinson or exact")


def hessian_spectral_density(model: nn.Module, data, *, loss: str | LossFn = "auto",
                             num_probes: int = 8, num_steps: int = 64,
                             rng: int | torch.Generator = 0, sigma: float | None = None,
                             chunk_size: int | None = None,
                             check_deterministic: bool = True) -> SpectralDensity:
    """The Hessian's spectral density by stochastic Lanczos quadrature (estimators/slq.py).

    >>> import torch
    >>> net = torch.nn.Linear(3, 1, bias=False).double()
    >>> data = (torch.eye(3, dtype=torch.float64), torch.zeros(3, 1, dtype=torch.float64))
    >>> density = hessian_spectral_density(net, data, num_probes=2, num_steps=3)
    >>> round(density.moment(1).value, 6), round(density.integral(), 2)   # (1/P) tr H = 2/3
    (0.666667, 1.0)
    """
    op = HessianOperator(model, data, loss, chunk_size=chunk_size,
                         check_deterministic=check_deterministic)
    return slq_spectral_density(op, num_probes, num_steps, rng=rng, sigma=sigma)
