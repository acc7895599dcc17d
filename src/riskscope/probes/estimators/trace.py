"""Stochastic trace estimators: Hutchinson and Hutch++.

Hutchinson (1990): tr(A) = E[zᵀAz] for probes with E[zzᵀ] = I; the mean of m samples has
standard error σ/√m, so a relative error ε costs ~1/ε² products. The interval is the Student-t
interval on the mean of the m samples (their sample variance); A need not be positive
semi-definite, and a negative trace is estimated like any other (the adaptive stop compares the
half-width with |estimate|, never divides by a signed trace: a pitfall in REFERENCES.md).

Hutch++ (Meyer, Musco, Musco & Woodruff 2021): spend m/3 products on a sketch Y = A S, take
its orthonormal basis Q, compute tr(QᵀAQ) exactly (m/3 products) and estimate the rest,
tr((I−QQᵀ)A(I−QQᵀ)), by Hutchinson with the remaining m/3 probes projected off Q. For
positive semi-definite A the error falls like 1/m instead of 1/√m. The reported interval is
the t-interval of the residual Hutchinson part: valid conditionally on the sketch Q (the
low-rank part is exact given Q), hence also unconditionally.
"""

from __future__ import annotations

import math

import torch

from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate, t_quantile
from riskscope.probes.estimators.random_vectors import Distribution, generator_from, random_block
from riskscope.probes.operator import LinearOperator, as_linear_operator


def _check_count(field: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SpecError(field, value, f"an integer >= {minimum}")
    return value


def _quadratic_forms(op: LinearOperator, block: torch.Tensor) -> torch.Tensor:
    """zᵢᵀ A zᵢ for every column zᵢ of `block`, as float64 on the CPU."""
    return (block * op.matmat(block)).sum(0).double().cpu()


def hutchinson_trace(
    operator: LinearOperator | torch.Tensor,
    num_samples: int = 100,
    *,
    rng: int | torch.Generator = 0,
    confidence: float = 0.95,
    distribution: Distribution = "rademacher",
    rtol: float | None = None,
    block_size: int = 10,
) -> Estimate:
    """Hutchinson's estimate of tr(A) with a t-interval from the samples' variance.

    num_samples: probes (= products) to take; with `rtol`, the most to take: sampling stops
    early, after at least `block_size` probes, once the interval's half-width ≤ rtol·|estimate|.
    """
    op = as_linear_operator(operator)
    num_samples = _check_count("num_samples", num_samples, 2)
    block_size = _check_count("block_size", block_size, 2)
    if rtol is not None and not rtol > 0:
        raise SpecError("rtol", rtol, "a positive relative half-width, or None")
    gen = generator_from(rng)
    samples: list[torch.Tensor] = []
    taken = 0
    while taken < num_samples:
        size = num_samples - taken if rtol is None else min(block_size, num_samples - taken)
        block = random_block(op.shape[0], size, gen, op.dtype, op.device, distribution)
        samples.append(_quadratic_forms(op, block))
        taken += size
        if rtol is not None and taken >= 2:
            x = torch.cat(samples)
            half = t_quantile(confidence, taken - 1) * float(x.std()) / math.sqrt(taken)
            if half <= rtol * abs(float(x.mean())):
                break
    x = torch.cat(samples).numpy()
    est = Estimate.from_samples(x, method=f"hutchinson ({distribution})", confidence=confidence)
    return Estimate(est.value, est.stderr, est.ci_low, est.ci_high, confidence, est.method,
                    est.n, {"num_products": int(x.size)})


def hutchplusplus_trace(
    operator: LinearOperator | torch.Tensor,
    num_products: int = 102,
    *,
    rng: int | torch.Generator = 0,
    confidence: float = 0.95,
    distribution: Distribution = "rademacher",
) -> Estimate:
    """Hutch++ estimate of tr(A) with `num_products` products (a third each for the sketch,
    the exact low-rank part and the residual Hutchinson part)."""
    op = as_linear_operator(operator)
    m = _check_count("num_products", num_products, 6)
    n = op.shape[0]
    gen = generator_from(rng)
    sketch = m // 3
    residual = m - 2 * sketch
    s = random_block(n, sketch, gen, op.dtype, op.device, distribution)
    q, _ = torch.linalg.qr(op.matmat(s))
    low_rank = float(torch.trace(q.T @ op.matmat(q)))
    g = random_block(n, residual, gen, op.dtype, op.device, distribution)
    g = g - q @ (q.T @ g)
    x = _quadratic_forms(op, g).numpy()
    rest = Estimate.from_samples(x, confidence=confidence)
    value = low_rank + rest.value
    return Estimate(value, rest.stderr, low_rank + rest.ci_low, low_rank + rest.ci_high,
                    confidence, f"hutch++ ({distribution})", m,
                    {"num_products": m, "sketch_size": sketch, "low_rank_trace": low_rank})
