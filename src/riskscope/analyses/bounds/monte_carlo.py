"""Monte-Carlo evaluation of a stochastic network's empirical risk, batched over weight samples.

For m weights w_1..w_m drawn i.i.d. from Q, the risk of each on the WHOLE data set,
r̂(w_j) = (1/n) Σ_i ℓ(w_j; x_i, y_i), is an i.i.d. draw in [0, 1] with mean r̂(Q); their mean
r̂_m enters the sampling bound of Langford & Caruana (2001) with m = the number of weight
samples. Two conventions matter for that bound to hold, and both are tested:
- every weight sample is evaluated on all n examples, chunked over the data with the SAME
  weights (drawing fresh weights per data batch and counting each as a sample is wrong);
- per-chunk sums are divided by n, the number of examples, not averaged over batches (public
  code averaging per-batch errors over (batches − 1) biases the estimate).

Losses: the 0-1 error, and the bounded cross-entropy of Pérez-Ortiz et al. 2021,
ℓ = −ln(max(p_y, p_min)) / ln(1/p_min) ∈ [0, 1] (probabilities clamped at p_min).

`monte_carlo_risks` evaluates `sample_batch` weight samples at once (vmap over the parameter
sets); `monte_carlo_risks_loop` is the per-sample loop it replaces, kept as the reference: it
draws the same weights and returns the same risks up to float rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from riskscope.analyses.bounds.gaussian_posterior import GaussianPosterior
from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate
from riskscope.tasks.base import Dataset


def check_p_min(p_min: float) -> float:
    if isinstance(p_min, bool) or not isinstance(p_min, (int, float)) or not 0 < p_min < 1:
        raise SpecError("p_min", p_min, "a probability clamp in the open interval (0, 1), "
                        "e.g. 1e-4 (the loss is divided by ln(1/p_min) to lie in [0, 1])")
    return float(p_min)


def bounded_cross_entropy(logits: torch.Tensor, y: torch.Tensor, p_min: float) -> torch.Tensor:
    """−ln(max(p_y, p_min)) / ln(1/p_min), per example ([..., B] for logits [..., B, C])."""
    logp = torch.log_softmax(logits, dim=-1)
    target = y.expand(logits.shape[:-1]).unsqueeze(-1)
    true = logp.gather(-1, target).squeeze(-1).clamp(min=math.log(p_min))
    return -true / math.log(1.0 / p_min)


#: sample × example rows per batched pass by default (measured best on a 2-core CPU: larger
#: passes spill the caches and run slower than the per-sample loop; see benchmarks/RESULTS.md)
ROWS_PER_PASS = 16384


@dataclass(frozen=True)
class MonteCarloRisks:
    """Risk of each weight sample on the whole data set: zero_one [m], bounded_cross_entropy [m];
    example_zero_one [n]: each example's error averaged over the weight samples."""

    zero_one: np.ndarray
    bounded_cross_entropy: np.ndarray
    p_min: float
    example_zero_one: np.ndarray | None = None

    @property
    def num_samples(self) -> int:
        return int(self.zero_one.size)


def _chunks(data: Dataset, size: int, device):
    for i in range(0, len(data), size):
        yield data.x[i:i + size].to(device), data.y[i:i + size].to(device)


def _check(data: Dataset, num_samples: int, p_min: float) -> None:
    if len(data) == 0:
        raise SpecError("data", "no examples", "at least one example (the bound set is empty)")
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise SpecError("num_weight_samples", num_samples, "an integer >= 1")
    check_p_min(p_min)


@torch.no_grad()
def monte_carlo_risks(posterior: GaussianPosterior, data: Dataset, num_samples: int, seed: int,
                      p_min: float = 1e-4, sample_batch: int = 64, example_batch: int = 0
                      ) -> MonteCarloRisks:
    """Risks of weight samples 0..num_samples−1, `sample_batch` of them per batched pass over
    chunks of `example_batch` examples (0: ROWS_PER_PASS // sample_batch, which keeps the
    activations of one pass cache-sized on a CPU)."""
    _check(data, num_samples, p_min)
    example_batch = example_batch or max(1, ROWS_PER_PASS // sample_batch)
    device = posterior.mu[0].device
    zero_one, bce = [], []
    per_example = torch.zeros(len(data), dtype=torch.float64, device=device)
    for start in range(0, num_samples, sample_batch):
        params = posterior.sample_parameter_batch(
            seed, range(start, min(start + sample_batch, num_samples)))
        s = next(iter(params.values())).shape[0]
        errors = torch.zeros(s, dtype=torch.float64, device=device)
        ce = torch.zeros(s, dtype=torch.float64, device=device)
        for k, (x, y) in enumerate(_chunks(data, example_batch, device)):
            logits = posterior.forward_samples(params, x)  # [s, B, C]
            wrong = logits.argmax(-1) != y
            errors += wrong.sum(-1, dtype=torch.float64)
            per_example[k * example_batch:k * example_batch + len(y)] += wrong.sum(
                0, dtype=torch.float64)
            ce += bounded_cross_entropy(logits, y, p_min).sum(-1, dtype=torch.float64)
        zero_one.append(errors / len(data))
        bce.append(ce / len(data))
    return MonteCarloRisks(torch.cat(zero_one).cpu().numpy(), torch.cat(bce).cpu().numpy(),
                           p_min, (per_example / num_samples).cpu().numpy())


@torch.no_grad()
def monte_carlo_risks_loop(posterior: GaussianPosterior, data: Dataset, num_samples: int,
                           seed: int, p_min: float = 1e-4, example_batch: int = 4096
                           ) -> MonteCarloRisks:
    """The per-sample loop: one weight sample at a time, one forward per data chunk."""
    _check(data, num_samples, p_min)
    device = posterior.mu[0].device
    zero_one, bce = np.empty(num_samples), np.empty(num_samples)
    for j in range(num_samples):
        params = {n: t[0] for n, t in posterior.sample_parameter_batch(seed, [j]).items()}
        errors = ce = 0.0
        for x, y in _chunks(data, example_batch, device):
            logits = posterior.functional(params, x)
            errors += float((logits.argmax(-1) != y).sum())
            ce += float(bounded_cross_entropy(logits, y, p_min).double().sum())
        zero_one[j], bce[j] = errors / len(data), ce / len(data)
    return MonteCarloRisks(zero_one, bce, p_min)


@torch.no_grad()
def example_errors(network: torch.nn.Module, data: Dataset, example_batch: int = 8192
                   ) -> np.ndarray:
    """Per-example 0-1 errors [n] of a plain network on `data`."""
    device = next(network.parameters()).device
    return torch.cat([(network(x).argmax(-1) != y).double().cpu()
                      for x, y in _chunks(data, example_batch, device)]).numpy()


def deterministic_error(network: torch.nn.Module, data: Dataset, example_batch: int = 8192
                        ) -> float:
    """0-1 error of a plain network on `data`."""
    return float(example_errors(network, data, example_batch).mean())


def error_estimate(values: np.ndarray, method: str, confidence: float = 0.95) -> Estimate:
    """Mean of per-example errors with a Student-t interval over the examples (the test set's
    sampling error; the weight samples' share is small when they are many)."""
    return Estimate.from_samples(values, method=method, confidence=confidence)
