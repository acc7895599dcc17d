"""Progress measures of grokking on modular addition (Nanda et al. 2023; Gromov 2023).

All measures take ensemble-batched tensors (leading member dimension M) and never train.

- Frequency power of an embedding E [M, p, d] (row a = the vector of operand a): with the
  discrete Fourier transform over ℤ/pℤ along the token axis, F_k = Σ_a E_a e^{−2πi k a / p},
  the power of frequency k ∈ {1, …, (p−1)/2} is (|F_k|² + |F_{p−k}|²)/p summed over d (the
  cos and sin components of frequency k together). k = 0 (the mean) is left out.
- Fourier concentration: the share of the non-constant power in the `top_k` strongest
  frequencies; ≈ top_k/((p−1)/2) for a random embedding, → 1 for a sparse Fourier embedding.
  Nanda et al. report ~5 key frequencies for their transformer; Gromov's quadratic MLP spreads
  its neurons over all frequencies, each neuron on one: `neuron_fourier_concentration`, the
  mean over neurons of the share of a neuron's power in its strongest frequency, rises to ~1
  while the whole-matrix concentration need not move.
- Restricted / excluded loss (Nanda et al. 2023, §5): with s = a + b mod p and a key frequency
  w = 2πk/p, the logit vector over c of each pair is projected on u_c = cos(w(s − c)) and
  v_c = sin(w(s − c)) (‖u‖² = ‖v‖² = p/2 for p odd, k ≠ 0). Restricted logits = row mean +
  projections on the key frequencies; excluded logits = logits − those projections. Their
  cross-entropies against c = s: restricted loss falls before the test loss does; excluded loss
  (on the training set) rises when the model switches from memorization to the Fourier circuit.
  Defined for addition only (multiplication would need discrete logarithms; not done here).
- Weight norm: ‖θ‖₂ per member, recorded by the trainer as `weight_norm`.
"""

from __future__ import annotations

import math

import torch


def frequency_power(embedding: torch.Tensor) -> torch.Tensor:
    """Power [M, (p−1)//2] of frequencies k = 1 … (p−1)//2 of E [M, p, d] (see module doc)."""
    p = embedding.shape[-2]
    spectrum = torch.fft.fft(embedding.double(), dim=-2).abs().pow(2).sum(-1) / p   # [M, p]
    half = (p - 1) // 2
    k = torch.arange(1, half + 1)
    return spectrum[..., k] + spectrum[..., p - k]


def fourier_concentration(embedding: torch.Tensor, top_k: int) -> torch.Tensor:
    """Share [M] of the non-constant power in the `top_k` strongest frequencies."""
    power = frequency_power(embedding)
    top = power.topk(min(top_k, power.shape[-1]), dim=-1).values.sum(-1)
    return top / power.sum(-1).clamp_min(1e-300)


def neuron_fourier_concentration(embedding: torch.Tensor) -> torch.Tensor:
    """Mean over the d columns (neurons) of the share of each column's non-constant power in
    its single strongest frequency [M]; → 1 when every neuron uses one frequency (Gromov 2023).
    """
    p = embedding.shape[-2]
    spectrum = torch.fft.fft(embedding.double(), dim=-2).abs().pow(2) / p          # [M, p, d]
    k = torch.arange(1, (p - 1) // 2 + 1)
    power = spectrum[..., k, :] + spectrum[..., p - k, :]                           # [M, K, d]
    return (power.max(-2).values / power.sum(-2).clamp_min(1e-300)).mean(-1)


def key_frequencies(embedding: torch.Tensor, top_k: int) -> torch.Tensor:
    """The `top_k` strongest frequencies k [M, top_k] (values in 1 … (p−1)//2)."""
    power = frequency_power(embedding)
    return power.topk(min(top_k, power.shape[-1]), dim=-1).indices + 1


def key_frequency_projection(logits: torch.Tensor, sums: torch.Tensor,
                             keys: torch.Tensor) -> torch.Tensor:
    """Σ over key k of the projection of logits [M, n, p] on cos/sin(2πk(s − c)/p).

    sums: s = a + b mod p, int [n]; keys: [M, K] frequencies. Returns [M, n, p].
    """
    p = logits.shape[-1]
    c = torch.arange(p, dtype=torch.float64, device=logits.device)
    phase = (sums.double().unsqueeze(-1) - c)                       # [n, p]
    w = 2 * math.pi * keys.double().to(logits.device) / p            # [M, K]
    angle = w[:, :, None, None] * phase                              # [M, K, n, p]
    total = torch.zeros_like(logits, dtype=torch.float64)
    for basis in (torch.cos(angle), torch.sin(angle)):
        coef = (logits.double().unsqueeze(1) * basis).sum(-1, keepdim=True) / (p / 2)
        total = total + (coef * basis).sum(1)
    return total


def restricted_and_excluded_loss(logits: torch.Tensor, sums: torch.Tensor,
                                 keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(restricted, excluded) mean cross-entropy [M] of logits [M, n, p] against c = s."""
    projection = key_frequency_projection(logits, sums, keys)
    restricted = logits.double().mean(-1, keepdim=True) + projection
    excluded = logits.double() - projection
    target = sums.to(logits.device).expand(logits.shape[:-1]).unsqueeze(-1)

    def cross_entropy(z: torch.Tensor) -> torch.Tensor:
        return -torch.log_softmax(z, -1).gather(-1, target).squeeze(-1).mean(-1)

    return cross_entropy(restricted), cross_entropy(excluded)


def steps_to_threshold(steps: list[int], values: torch.Tensor | list, threshold: float
                       ) -> float:
    """First logged step at which `values` ≥ threshold (NaN when never)."""
    for step, value in zip(steps, values):
        if float(value) >= threshold:
            return float(step)
    return math.nan
