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
from riskscope.training.data_source import FixedBatches
from riskscope.training.log_steps import log_spaced_steps
from riskscope.training.objective import TrainingObjective
from riskscope.training.recorders import BatchLossRecorder
from riskscope.training.trainer import train_ensemble


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
    too). Returns the model and its `prior_train_loss` series: the mini-batch loss at the
    log-spaced steps before the budget's end.

    Runs through the one trainer (`train_ensemble`) with the model's cross-entropy as the
    objective and `torch.optim.SGD` as its optimizer (a plain module, not a one-member
    ensemble: same arithmetic as the loop this replaced, bit for bit on the CPU); the
    config's schedule scales the learning rate (the default, constant, leaves it as is)."""
    if config.optimizer not in ("sgd", "gd"):
        raise SpecError("training.optimizer", config.optimizer,
                        "sgd: the prior mean is trained by SGD with momentum")
    model = copy.deepcopy(init).train()
    device = next(model.parameters()).device
    data = data.to(device)
    batch = len(data) if config.batch_size == 0 else min(config.batch_size, len(data))
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                                weight_decay=config.weight_decay)
    objective = TrainingObjective(lambda b: nn.functional.cross_entropy(model(b.x), b.y),
                                  list(model.parameters()), optimizer)
    batches = FixedBatches.one_model(data, batch, derive_seed(seed, "prior-batches"))
    logged = BatchLossRecorder(log_spaced_steps(config.steps, config.log_points))
    train_ensemble(model, None, batches, config, None, None, recorders=[logged],
                   measure=False, objective=objective)
    series = logged.finalize()
    return model.eval(), {"prior_train_loss": (series["steps"].tolist(),
                                                series["loss"][:, 0].tolist())}
