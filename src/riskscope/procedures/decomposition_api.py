"""`riskscope.decompose(...)`: the integrated error analysis from a notebook, no store needed.

Runs the same computation as the `decomposition` study for a task object you hold (a built-in
task or your own `Task` subclass) and the MLP family, and returns a typed result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from riskscope.core.checks import check_float, check_int
from riskscope.core.device import resolve_device
from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.core.validation import validate_params
from riskscope.models.mlp_spec import MLPSpec
from riskscope.procedures.best_in_class import BestInClass, estimate_best_in_class
from riskscope.procedures.decomposition_design import decompose_design
from riskscope.tasks.base import Task
from riskscope.tasks.registry import make_task
from riskscope.training.config import TrainingConfig


@dataclass
class DecompositionResult:
    """Per-member rows (width, n_train, seed, data_seed, every component with its CI, bias and
    variance) and the best-in-class estimate of each width."""

    rows: list[dict]
    best_in_class: dict[int, BestInClass] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def summary(self) -> pd.DataFrame:
        """Mean and standard error over seeds per (width, n_train), numeric columns only."""
        frame = self.to_pandas()
        numeric = frame.select_dtypes("number").drop(columns=["seed", "data_seed"])
        grouped = numeric.groupby(["width", "n_train"])
        return grouped.mean().join(grouped.sem().add_suffix("_sem"))


def _check_arguments(widths, n_train, init_seeds, data_seeds, extra_restarts,
                     restart_step_factor, best_in_class_restarts, risk_samples, eval_samples,
                     confidence, seed) -> None:
    """The same checks the CLI's spec validation makes, as SpecErrors naming the argument."""
    for name, values in (("widths", widths), ("n_train", n_train)):
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise SpecError(name, values, "a non-empty list of positive integers")
        for k, value in enumerate(values):
            check_int(f"{name}[{k}]", value, minimum=1)
    check_int("init_seeds", init_seeds, minimum=1)
    check_int("data_seeds", data_seeds, minimum=1)
    check_int("extra_restarts", extra_restarts, minimum=0)
    check_float("restart_step_factor", restart_step_factor, minimum=1.0)
    check_int("best_in_class_restarts", best_in_class_restarts, minimum=1)
    check_int("risk_samples", risk_samples, minimum=2)
    check_int("eval_samples", eval_samples, minimum=1)
    check_float("confidence", confidence, minimum=0.0, maximum=1.0, open_low=True,
                open_high=True)
    check_int("seed", seed, minimum=0)


def decompose(task: Task | str, widths: Sequence[int], n_train: Sequence[int], *,
              task_params: dict | None = None, model: dict | None = None,
              training: TrainingConfig | dict | None = None, init_seeds: int = 3,
              data_seeds: int = 3, extra_restarts: int = 2, restart_step_factor: float = 2.0,
              best_in_class: TrainingConfig | dict | None = None,
              best_in_class_restarts: int = 4, risk_samples: int = 50000,
              eval_samples: int = 4096, confidence: float = 0.95, seed: int = 0,
              device: str = "auto") -> DecompositionResult:
    """Excess risk = approximation + optimization + generalization gap + remainder.

    task: a Task (any, including your own subclass) or a registered name with `task_params`.
    model: MLP family options (depth, activation, parameterization, init_scale, bias).
    training: how each network is trained (TrainingConfig or its fields).
    best_in_class: the online training used for R(f_F) (default: Adam, cosine, 6000 steps of
    512 fresh samples); skipped when the task cannot sample fresh data or has no Bayes risk.
    """
    if isinstance(task, str):
        task = make_task(task, task_params or {})
    _check_arguments(widths, n_train, init_seeds, data_seeds, extra_restarts,
                     restart_step_factor, best_in_class_restarts, risk_samples, eval_samples,
                     confidence, seed)
    dev = resolve_device(device)
    config = validate_params(TrainingConfig, training or {"optimizer": "adam", "lr": 0.01,
                                                          "steps": 2000}, "training")
    online = validate_params(TrainingConfig, best_in_class or {
        "optimizer": "adam", "lr": 0.003, "steps": 6000, "batch_size": 512, "online": True,
        "schedule": "cosine"}, "best_in_class")
    family = {"depth": 1, **(model or {})}
    pairs = [(s, 1000 + d) for d in range(data_seeds) for s in range(init_seeds)]
    eval_data = task.holdout() if task.finite else task.sample(
        eval_samples, torch_generator(derive_seed(seed, "eval")))
    result = DecompositionResult([])
    for width in widths:
        spec = validate_params(MLPSpec, {"input_dim": task.input_dim,
                                         "output_dim": task.output_dim, "width": width,
                                         **family}, "model")
        bic = None
        if not task.finite and task.bayes_risk() is not None:
            found = estimate_best_in_class(task, spec, online, best_in_class_restarts,
                                           derive_seed(seed, "best-in-class", width),
                                           risk_samples, device=dev, confidence=confidence)
            result.best_in_class[width] = found
            bic = found.risk
        for n in n_train:
            design = decompose_design(task, spec, config, n, pairs, bic,
                                      eval_data.to(dev), risk_samples, extra_restarts,
                                      restart_step_factor, confidence,
                                      derive_seed(seed, "risk", width, n), dev)
            for (s, d), row in zip(pairs, design.members):
                result.rows.append({"width": width, "n_train": n, "seed": s, "data_seed": d,
                                    **row})
            result.notes = design.notes
    return result
