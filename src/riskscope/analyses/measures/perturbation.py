"""Perturbation scales of Jiang et al. 2020's sharpness and PAC-Bayes flatness measures.

The scale is the largest perturbation under which the training accuracy drops by the target
deviation (0.1 ± 0.01), found by bracketing (doubling or halving from 0.03) and bisection in
log scale:

- random (PAC-Bayes) σ: w + u, u ~ N(0, σ² I); the accuracy is averaged over `draws` draws.
  magnitude-aware σ′: u_j ~ N(0, σ′² w_j² + ε²), ε = 1e-3.
- worst-case (sharpness) α: the accuracy at the perturbation in the box |u_j| ≤ α (magnitude-
  aware: |u_j| ≤ α′|w_j| + ε) that maximizes the cross-entropy, by `ascent_steps` steps of
  projected sign-gradient ascent from a random point of the box.

The same noise (common random numbers: fixed ε draws, fixed start) is used for every trial
scale, so the accuracy drop is a deterministic, nearly monotone function of the scale and the
bisection converges. If the tolerance is not met in `iterations` steps, the scale whose drop
was closest to the target is returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call

from riskscope.core.rng import torch_generator
from riskscope.probes.complexity.functional import batched_forward, parameter_dict
from riskscope.tasks.base import Dataset


def _accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (logits.argmax(-1) == y).double().mean(-1)


def search_scale(deviation: Callable[[float], float], target: float, tolerance: float,
                 iterations: int, start: float = 0.03) -> float:
    """The scale s with |deviation(s) − target| ≤ tolerance: bracket by doubling or halving
    from `start` (at most 40 times), then bisect in log scale; the closest scale seen is
    returned when the tolerance is not met."""
    best = (math.inf, start)

    def check(scale: float) -> float:
        nonlocal best
        d = deviation(scale)
        best = min(best, (abs(d - target), scale))
        return d

    d = check(start)
    if abs(d - target) <= tolerance:
        return start
    lo, hi = (start, start * 2) if d < target else (start / 2, start)
    for _ in range(40):
        probe = hi if d < target else lo
        d = check(probe)
        if abs(d - target) <= tolerance:
            return probe
        if (d < target) == (probe == hi):  # not bracketed yet: move on in the same direction
            lo, hi = (hi, hi * 2) if d < target else (lo / 2, lo)
        else:
            break
    else:
        return best[1]
    for _ in range(iterations):
        mid = math.sqrt(lo * hi)
        d = check(mid)
        if abs(d - target) <= tolerance:
            return mid
        if d > target:
            hi = mid
        else:
            lo = mid
    return best[1]


def random_perturbation_scale(model: nn.Module, data: Dataset, *, magnitude_aware: bool,
                              seed: int, target: float = 0.1, tolerance: float = 0.01,
                              draws: int = 8, iterations: int = 20, eps: float = 1e-3) -> float:
    """σ (or σ′) at which the mean accuracy under Gaussian weight noise drops by `target`."""
    params = parameter_dict(model)
    device = next(iter(params.values())).device
    x, y = data.x.to(device), data.y.to(device)
    gen = torch_generator(seed)
    noise = {n: torch.randn((draws, *p.shape), generator=gen, dtype=p.dtype).to(device)
             for n, p in params.items()}
    with torch.no_grad():
        base = float(_accuracy(model(x), y))

        def deviation(scale: float) -> float:
            perturbed = {}
            for n, p in params.items():
                std = torch.sqrt(scale**2 * p**2 + eps**2) if magnitude_aware else scale
                perturbed[n] = p + noise[n] * std
            return base - float(_accuracy(batched_forward(model, perturbed, x), y).mean())

        return search_scale(deviation, target, tolerance, iterations)


def worst_case_perturbation_scale(model: nn.Module, data: Dataset, *, magnitude_aware: bool,
                                  seed: int, target: float = 0.1, tolerance: float = 0.01,
                                  ascent_steps: int = 10, iterations: int = 20,
                                  eps: float = 1e-3) -> float:
    """α (or α′) at which the accuracy at the loss-maximizing box perturbation drops by `target`."""
    params = parameter_dict(model)
    device = next(iter(params.values())).device
    x, y = data.x.to(device), data.y.to(device)
    gen = torch_generator(seed)
    start = {n: (2 * torch.rand(p.shape, generator=gen, dtype=p.dtype) - 1).to(device)
             for n, p in params.items()}
    with torch.no_grad():
        base = float(_accuracy(model(x), y))

    def deviation(scale: float) -> float:
        box = {n: (scale * p.abs() + eps) if magnitude_aware else torch.full_like(p, scale)
               for n, p in params.items()}
        u = {n: start[n] * box[n] for n in params}
        for _ in range(ascent_steps):
            leaves = {n: t.detach().requires_grad_() for n, t in u.items()}
            logits = functional_call(model, {n: params[n] + leaves[n] for n in params}, (x,))
            loss = nn.functional.cross_entropy(logits, y)
            grads = torch.autograd.grad(loss, list(leaves.values()))
            u = {n: torch.clamp(leaves[n].detach() + 0.25 * box[n] * g.sign(), -box[n], box[n])
                 for (n, g) in zip(leaves, grads)}
        with torch.no_grad():
            logits = functional_call(model, {n: params[n] + u[n] for n in params}, (x,))
            return base - float(_accuracy(logits, y))

    return search_scale(deviation, target, tolerance, iterations)
