"""A trial: one fully resolved configuration (one ensemble member), and its hash.

Trial parameters hold the validated, default-filled sections, so two specs that mean the same
trial give the same hash and the store skips the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from riskscope.models.families import model_spec
from riskscope.studies.canonical import TRIAL_FORMAT_VERSION, spec_hash
from riskscope.tasks.base import Task
from riskscope.tasks.registry import make_task
from riskscope.training.config import TrainingConfig


@dataclass(frozen=True)
class Trial:
    params: dict

    @cached_property
    def hash(self) -> str:
        return spec_hash(self.params)

    @property
    def study(self) -> str:
        return self.params["study"]

    @property
    def seed(self) -> int:
        return self.params["seed"]

    @property
    def data_seed(self) -> int:
        return self.params["data_seed"]

    def section(self, name: str) -> dict:
        return self.params[name]

    def task(self) -> Task:
        return make_task(self.params["task"]["name"],
                         {k: v for k, v in self.params["task"].items() if k != "name"})

    @property
    def family(self) -> str:
        return self.params["model"].get("family", "mlp")

    def model_spec(self, task: Task):
        """The family's spec for `task` (an `MLPSpec` for "mlp"; riskscope.models.families)."""
        return model_spec(self.params["model"], task)

    def training(self) -> TrainingConfig:
        return TrainingConfig(**self.params["training"])


def make_trial_params(study: str, task: dict, model: dict, training: dict, data: dict,
                      options: dict, seed: int, data_seed: int | None) -> dict:
    return {
        "format": TRIAL_FORMAT_VERSION,
        "study": study,
        "task": task,
        "model": model,
        "training": training,
        "data": data,
        "options": options,
        "seed": seed,
        "data_seed": seed if data_seed is None else data_seed,
    }
