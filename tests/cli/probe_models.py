"""Model factories the `riskscope probe` tests name as `tests.cli.probe_models:NAME`."""

from torch import nn


def tiny_mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 24), nn.Tanh(), nn.Linear(24, 10))
