"""A study of our own: `width-margin`, the output margin and test error of trained networks.

Trains each group through riskscope's one training path (`fit_group`), then measures every
member as a plain module: the 10% quantile of its training-set margins (correct logit minus
the largest other one) and its 0-1 test error. Declares the families it supports, with our
own gated MLP as the default (family "custom").
"""

from __future__ import annotations

import torch
from pydantic import Field

from riskscope.core.validation import Params
from riskscope.studies.fit_group import fit_group
from riskscope.studies.registry import register_study
from riskscope.studies.study import GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial

_MODEL = {"family": "custom", "factory": "riskscope_example.models:gated_mlp",
          "params": {"width": 16}}


class WidthMarginOptions(Params):
    margin_quantile: float = Field(0.1, gt=0, lt=1)


def _margins(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    correct = logits.gather(1, y[:, None]).squeeze(1)
    other = logits.scatter(1, y[:, None], float("-inf")).max(1).values
    return correct - other


@register_study
class WidthMarginStudy(Study):
    name = "width-margin"
    description = "Example plugin: output margin and test error of trained networks vs width."
    Options = WidthMarginOptions
    supported_families = ("custom", "mlp", "cnn")
    summary_columns = ("margin", "test_error")
    presets = {
        "smoke": {
            "seeds": 2,
            "task": {"name": "gaussian-mixture", "input_dim": 4, "num_classes": 3},
            "model": _MODEL,
            "training": {"optimizer": "adam", "lr": 0.01, "steps": 60, "log_points": 6},
            "data": {"n_train": 64, "eval_samples": 512},
            "grid": {"model.params": [{"width": 4}, {"width": 32}]},
        },
        "full": {
            "seeds": 4,
            "task": {"name": "gaussian-mixture", "input_dim": 16, "num_classes": 4},
            "model": _MODEL,
            "training": {"optimizer": "adam", "lr": 0.003, "steps": 2000, "batch_size": 64},
            "data": {"n_train": 1024, "eval_samples": 8192},
            "grid": {"model.params": [{"width": w} for w in (4, 16, 64, 256)]},
        },
    }

    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        opts = WidthMarginOptions(**trials[0].section("options"))
        fitted = fit_group(trials, ctx)
        train, test = fitted.train_data, fitted.eval_data
        outcomes = []
        for i in range(len(trials)):
            net = fitted.ensemble.member(i)
            x = train.x if train.x.dim() == 2 else train.x[i]
            y = train.y if train.y.dim() == 1 else train.y[i]
            with torch.no_grad():
                margin = torch.quantile(_margins(net(x), y), opts.margin_quantile)
                test_error = (net(test.x).argmax(-1) != test.y).double().mean()
            outcomes.append(TrialOutcome("done", {"margin": float(margin),
                                                  "test_error": float(test_error)},
                                         fitted.trajectory.member_series(i)))
        return outcomes
