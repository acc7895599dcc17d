"""`train_posterior` and `train_prior_mean` run through the one trainer (an objective passed to
`train_ensemble`); on the CPU they give bit for bit the parameters and histories of the loops
they replaced, kept below as the reference (the code as it stood before, trimmed of checks)."""

import copy

import pytest
import torch
from torch import nn

from riskscope.analyses.bounds.gaussian_posterior import GaussianPosterior
from riskscope.analyses.bounds.monte_carlo import bounded_cross_entropy
from riskscope.analyses.bounds.pac_bayes_bounds import training_objective
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.procedures import train_posterior, train_prior_mean
from riskscope.tasks.base import Dataset
from riskscope.training.config import TrainingConfig
from riskscope.training.log_steps import log_spaced_steps


def reference_posterior(posterior, data, *, bound_set_size, objective, delta, prior_grid_size,
                        steps, optimizer, lr, momentum, batch_size, p_min, seed, log_points):
    """The former loop of procedures/posterior_training.py."""
    n_bound, delta_each = bound_set_size, delta / prior_grid_size
    hist = {"steps": [], "objective": [], "kl": [], "bce": []}
    x_all, y_all = data.x, data.y
    batch = min(batch_size, len(data)) if batch_size > 0 else len(data)
    order_gen = torch_generator(derive_seed(seed, "posterior-batches"))
    noise_gen = torch_generator(derive_seed(seed, "posterior-noise"))
    params = posterior.variational_parameters()
    step_rule = torch.optim.Adam(params, lr=lr, foreach=True) if optimizer == "adam" else \
        torch.optim.SGD(params, lr=lr, momentum=momentum, foreach=True)
    log_at = set(log_spaced_steps(steps, log_points))
    order, pos = torch.randperm(len(data), generator=order_gen), 0
    for step in range(steps + 1):
        if pos + batch > len(data):
            order, pos = torch.randperm(len(data), generator=order_gen), 0
        idx = order[pos:pos + batch]
        pos += batch
        sigmas = posterior.sigmas()
        logits = posterior.functional(posterior.sample_parameters(noise_gen, sigmas),
                                      x_all[idx])
        risk = bounded_cross_entropy(logits, y_all[idx], p_min).mean()
        kl = posterior.kl_divergence(sigmas)
        loss = training_objective(objective, risk.double(), kl, n_bound, delta_each)
        if step in log_at or step == steps:
            hist["steps"].append(step)
            hist["objective"].append(float(loss.detach()))
            hist["kl"].append(float(kl.detach()))
            hist["bce"].append(float(risk.detach()))
        if step == steps:
            break
        step_rule.zero_grad(set_to_none=True)
        loss.backward()
        step_rule.step()
    return hist


def reference_prior(init, data, config, seed):
    """The former loop of procedures/prior.py."""
    model = copy.deepcopy(init).train()
    x, y = data.x, data.y
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
        idx = order[pos:pos + batch]
        pos += batch
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        if step in log_at:
            steps.append(step)
            losses.append(float(loss.detach()))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return model.eval(), (steps, losses)


def _data(n=50, seed=0, conv=False):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 8, generator=g) if conv else torch.randn(n, 6, generator=g)
    y = (x.flatten(1).sum(1) > 0).long() + (x.flatten(1)[:, 0] > 1).long()
    return Dataset(x, y)


def _net(conv=False):
    torch.manual_seed(0)  # test-only
    if conv:
        return nn.Sequential(nn.Conv1d(1, 2, 3), nn.Tanh(), nn.Flatten(), nn.Linear(12, 3))
    return nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Linear(10, 3))


@pytest.mark.parametrize("optimizer,objective,batch_size,conv", [
    ("adam", "quadratic", 16, False), ("sgd", "classic", 0, False),
    ("adam", "lambda", 50, True), ("sgd", "quadratic", 7, True)])
def test_posterior_bit_for_bit_with_the_former_loop(optimizer, objective, batch_size, conv):
    data, net = _data(conv=conv), _net(conv)
    kwargs = dict(bound_set_size=40, objective=objective, delta=0.025, prior_grid_size=2,
                  steps=23, optimizer=optimizer, lr=0.01, momentum=0.9,
                  batch_size=batch_size, p_min=1e-3, seed=5, log_points=6)
    old = GaussianPosterior(net, 0.05, sigma=0.03)
    new = copy.deepcopy(old)
    hist = reference_posterior(old, data, **kwargs)
    history = train_posterior(new, data, **kwargs)
    for a, b in zip(old.variational_parameters(), new.variational_parameters()):
        assert torch.equal(a, b)
    assert history.steps == hist["steps"] and history.steps[-1] == 23
    assert history.objective == hist["objective"]
    assert history.kl == hist["kl"]
    assert history.bounded_cross_entropy == hist["bce"]
    assert history.objective[-1] < history.objective[0]   # it did train


@pytest.mark.parametrize("batch_size,weight_decay,conv", [(8, 0.0, False), (0, 1e-3, False),
                                                          (13, 1e-2, True)])
def test_prior_mean_bit_for_bit_with_the_former_loop(batch_size, weight_decay, conv):
    data, net = _data(conv=conv), _net(conv)
    config = TrainingConfig(optimizer="sgd", lr=0.05, momentum=0.9, weight_decay=weight_decay,
                            steps=30, batch_size=batch_size, log_points=7)
    old, (steps, losses) = reference_prior(net, data, config, seed=3)
    new, series = train_prior_mean(net, data, config, seed=3)
    for a, b in zip(old.parameters(), new.parameters()):
        assert torch.equal(a, b)
    assert not new.training
    assert series["prior_train_loss"] == (steps, losses)
    assert steps[-1] < 30 and losses[-1] < losses[0]
