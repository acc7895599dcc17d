"""Label noise for double descent (Nakkiran et al. 2019; Belkin et al. 2019).

Convention: exactly round(rate · n) training examples, chosen uniformly without replacement,
get a label drawn uniformly from the OTHER classes (so every chosen label is wrong; Nakkiran et
al. redraw uniformly over all classes, i.e. their rate p gives ≈ p(C − 1)/C wrong labels).
Only the training set is corrupted; test sets stay clean, so the Bayes error on the clean test
distribution is unchanged, while a network that interpolates must memorize the wrong labels.
"""

from __future__ import annotations

import torch

from riskscope.core.errors import SpecError


def check_label_noise(rate: float, field: str = "options.label_noise") -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise SpecError(field, rate, "a fraction in [0, 1] of training labels to corrupt")
    return float(rate)


def corrupt_labels(y: torch.Tensor, num_classes: int, rate: float, generator: torch.Generator
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """(noisy labels, bool mask of corrupted examples) for int labels y [n] (or [M, n])."""
    check_label_noise(rate)
    if y.dim() == 2:
        pairs = [corrupt_labels(row, num_classes, rate, generator) for row in y]
        return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])
    n = y.shape[0]
    count = round(rate * n)
    chosen = torch.randperm(n, generator=generator)[:count].to(y.device)
    shift = torch.randint(1, num_classes, (count,), generator=generator).to(y.device)
    noisy = y.clone()
    noisy[chosen] = (y[chosen] + shift) % num_classes
    mask = torch.zeros(n, dtype=torch.bool, device=y.device)
    mask[chosen] = True
    return noisy, mask
