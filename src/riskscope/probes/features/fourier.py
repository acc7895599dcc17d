"""Walsh–Fourier coefficients of a network on the Boolean cube, and the Fourier gap.

Definition. For f: {−1, +1}^n → R and T ⊆ [n], the Walsh–Fourier coefficient is
f̂(T) = E_x[f(x) χ_T(x)] with x uniform and χ_T(x) = Π_{i∈T} x_i. For a k-sparse parity with
secret S, the *Fourier gap* of Barak et al. (2022) compares |f̂(S)| with the largest |f̂(T)|
over the other subsets of the same size:

    gap = |f̂(S)| − max_{|T| = k, T ≠ S} |f̂(T)|.

Barak et al. state it for the population gradient; here it is measured on the network's
scalar score (for the two-class sparse-parity task: the logit difference z₁ − z₀), which is
what "hidden progress" shows before the loss moves. A network computing χ_S exactly has
f̂(S) = 1 and f̂(T) = 0 elsewhere.

Methods (stated in the result's `method`):
- "exact": all 2^n inputs and a fast Walsh–Hadamard transform (n ≤ `exact_max_bits`);
- "sample": f̂(T) ≈ (1/m) Σ_j f(x_j) χ_T(x_j) on m uniform inputs, for every T of size k.
  Each estimate has standard error ≈ ‖f‖₂/√m, so the maximum over the C(n, k) − 1 others is
  biased upwards by about √(2 ln C(n,k)) of those; `standard_error` reports ‖f‖₂/√m.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from riskscope.core.errors import SpecError
from riskscope.core.rng import as_torch_generator
from riskscope.tasks.sparse.boolean_cube import cube_points, random_signs

ScoreFn = Callable[[torch.Tensor], torch.Tensor]
MAX_SAMPLED_SUBSETS = 200_000


def walsh_hadamard(values: torch.Tensor) -> torch.Tensor:
    """Fourier coefficients [..., 2^n] of values [..., 2^n] on `cube_points(n)`: entry t is
    f̂(T) with T = {i : bit i of t set}; computed in float64 by the fast transform."""
    size = values.shape[-1]
    n = size.bit_length() - 1
    if size != 2**n:
        raise SpecError("values", tuple(values.shape), "a last dimension 2^n (all cube points)")
    out = values.double().clone()
    lead = out.shape[:-1]
    for i in range(n):
        view = out.reshape(*lead, size // 2 ** (i + 1), 2, 2**i)
        a, b = view[..., 0, :].clone(), view[..., 1, :].clone()
        view[..., 0, :] = a + b
        view[..., 1, :] = a - b
        out = view.reshape(*lead, size)
    return out / size


def subset_index(subset) -> int:
    """The index of subset T in `walsh_hadamard`'s output: Σ_{i∈T} 2^i."""
    return int(sum(1 << int(i) for i in subset))


@dataclass(frozen=True)
class FourierGap:
    """Per member (arrays [M]): coefficient on S, the largest |coefficient| on another subset
    of size k and which subset it was, and the gap |f̂(S)| − that maximum."""

    support_coefficient: np.ndarray
    max_other: np.ndarray
    gap: np.ndarray
    argmax_other: list[tuple[int, ...]]
    method: str
    num_samples: int
    standard_error: np.ndarray


def _scores(score_fn: ScoreFn, x: torch.Tensor, batch: int = 65536) -> torch.Tensor:
    with torch.no_grad():
        parts = [score_fn(x[i:i + batch]) for i in range(0, x.shape[0], batch)]
    out = torch.cat(parts, dim=-1).double()
    return out.unsqueeze(0) if out.dim() == 1 else out


def _gap(coefs: torch.Tensor, subsets: list[tuple[int, ...]], support: tuple[int, ...],
         method: str, m: int, se: torch.Tensor) -> FourierGap:
    s_pos = subsets.index(support)
    on_s = coefs[:, s_pos]
    others = coefs.abs().clone()
    others[:, s_pos] = -math.inf
    best, where = others.max(dim=1) if others.shape[1] > 1 else (
        torch.zeros(coefs.shape[0], dtype=coefs.dtype), torch.full((coefs.shape[0],), s_pos))
    return FourierGap(on_s.numpy(), best.numpy(), (on_s.abs() - best).numpy(),
                      [subsets[int(w)] for w in where], method, m, se.numpy())


def fourier_gap(score_fn: ScoreFn, n: int, support, *, method: str = "auto",
                num_samples: int = 8192, rng: int | torch.Generator | None = None,
                exact_max_bits: int = 16, device: torch.device | str = "cpu") -> FourierGap:
    """The Fourier gap of `score_fn` (x [B, n] ±1 → scores [B] or [M, B]) at support S.

    method: "exact" (enumerate the cube), "sample" (num_samples uniform inputs, needs `rng`),
    or "auto" (exact when n ≤ exact_max_bits).
    """
    support = tuple(sorted(int(i) for i in support))
    k = len(support)
    if k == 0 or k > n or len(set(support)) != k or support[-1] >= n:
        raise SpecError("support", support, f"1 to n = {n} distinct coordinates in [0, {n})")
    if method not in ("auto", "exact", "sample"):
        raise SpecError("method", method, "one of auto, exact, sample")
    if method == "auto":
        method = "exact" if n <= exact_max_bits else "sample"
    subsets = list(itertools.combinations(range(n), k))
    if method == "exact":
        if n > 24:
            raise SpecError("n", n, "at most 24 bits for exact enumeration; use method='sample'")
        f = _scores(score_fn, cube_points(n).to(device)).cpu()
        coefs = walsh_hadamard(f)[:, [subset_index(t) for t in subsets]]
        zero = torch.zeros(coefs.shape[0], dtype=torch.float64)
        return _gap(coefs, subsets, support, f"exact: all 2^{n} inputs, fast Walsh-Hadamard",
                    0, zero)
    if len(subsets) > MAX_SAMPLED_SUBSETS:
        raise SpecError("support", f"k = {k} of n = {n} ({len(subsets)} subsets)",
                        f"at most {MAX_SAMPLED_SUBSETS} subsets of size k")
    if rng is None:
        raise SpecError("rng", None, "a seed or torch.Generator for method='sample'")
    x = random_signs(num_samples, n, as_torch_generator(rng)).to(device)
    f = _scores(score_fn, x)
    index = torch.tensor(subsets, device=x.device)
    coefs = []
    for a in range(0, len(subsets), 2048):
        chi = x[:, index[a:a + 2048]].prod(-1).double()   # [m, chunk]
        coefs.append(f @ chi / num_samples)
    se = f.pow(2).mean(1).sqrt().cpu() / math.sqrt(num_samples)
    return _gap(torch.cat(coefs, dim=1).cpu(), subsets, support,
                f"sample: {num_samples} uniform inputs, all {len(subsets)} subsets of size {k}",
                num_samples, se)


def logit_difference(model) -> ScoreFn:
    """Score z₁ − z₀ of a two-logit classifier (a module or ensemble: [..., B, 2] → [..., B])."""
    def score(x: torch.Tensor) -> torch.Tensor:
        out = model(x)
        return out[..., 1] - out[..., 0]
    return score
