"""Priors of the certificate: the data split and the data-dependent prior mean.

Data-free prior: centred at the initialization; the whole data set is the bound set.
Data-dependent prior (Parrado-Hernández et al. 2012; Dziugaite et al. 2021; Pérez-Ortiz et al.
2021): a random `prior_fraction` of the data trains the prior mean by ERM (cross-entropy,
starting from the initialization); the certificate uses only the remaining examples, which
the prior has not seen. The split is a random permutation from the given seed, so data in a
sorted order (a DataLoader by class) is split fairly.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.tasks.base import Dataset
from riskscope.training.config import TrainingConfig
from riskscope.training.log_steps import log_spaced_steps


def split_for_prior(data: Dataset, prior_fraction: float, seed: int) -> tuple[Dataset, Dataset]:
    """(prior part, bound part), a random split; both parts non-empty."""
    n_prior = round(prior_fraction * len(data))
    if not 1 <= n_prior <= len(data) - 1:
        raise SpecError("prior_fraction", prior_fraction,
                        f"a fraction leaving at least one of the {len(data)} examples on each "
                        "side (prior split and bound set)")
    order = torch.randperm(len(data), generator=torch_generator(derive_seed(seed, "prior-split")))
    return data.subset(order[:n_prior]), data.subset(order[n_prior:])


def train_prior_mean(init: nn.Module, data: Dataset, config: TrainingConfig, seed: int
                     ) -> tuple[nn.Module, dict[str, tuple[list[int], list[float]]]]:
    """A copy of `init` trained on `data` (cross-entropy, SGD with momentum and weight decay
    from `config`, shuffled mini-batches from `seed`; inputs of any shape, so Conv networks
    too). Returns the model and its `prior_train_loss` series at log-spaced steps."""
    model = copy.deepcopy(init).train()
    device = next(model.parameters()).device
    x, y = data.x.to(device), data.y.to(device)
    batch = len(data) if config.batch_size == 0 else min(config.batch_size, len(data))
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                                weight_decay=config.weight_decay)
    gen = torch_generator(derive_seed(seed, "prior-batches"))
    log_at = set(log_spaced_steps(config.steps, config.log_points))
    steps, losses = [], []
    order, pos = torch.randperm(len(data), generator=gen), 0
    for step in range(config.steps):
        if pos + batch > len(data):
            order, pos = torch.randperm(len(data), generator=gen), 0
        idx = order[pos:pos + batch].to(device)
        pos += batch
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        if step in log_at:
            steps.append(step)
            losses.append(float(loss.detach()))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return model.eval(), {"prior_train_loss": (steps, losses)}
