"""The study spec: what to run, validated before anything runs.

A spec (a TOML file or a Python dict) has top-level keys `study`, `name`, `seeds`, `device`,
sections `task`, `model`, `training`, `data`, `options` (the study's own), and `grid`:

    study = "train"
    seeds = 3                       # or a list of seeds
    [task]     name = "teacher-student-regression", then the task's parameters
    [model]    family = "mlp", width, depth, ... (each family its own keys: docs/model-families.md)
    [training] optimizer, lr, steps, batch_size, ... (riskscope.training.TrainingConfig)
    [data]     n_train, eval_samples
    [grid]     "model.width" = [16, 64]      # product over these keys
    [grid.zip] "training.lr" = [0.1, 0.05]   # lists of equal length, taken together

Grid keys are dotted paths into the sections, or `data_seed` (which, when set, replaces the
training-set seed so initialization and data sampling can be varied separately).
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.models.families import validate_model_section

GRID_SECTIONS = ("task", "model", "training", "data", "options")
GRID_TOP_LEVEL = ("data_seed",)
#: more seeds than this is a typo, not a study (and `range(seeds)` would not fit in memory)
MAX_SEEDS = 100_000


class ModelSection(Params):
    """The network family and its shape; input and output sizes come from the task.

    `family` (mlp, cnn, resnet, transformer, random-features, linear, custom) picks the parameter
    model that validates and default-fills the other keys (riskscope.models.families); they
    are read as attributes (`spec.model.width`) and dumped with the section.
    """

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    family: str = "mlp"

    @model_validator(mode="before")
    @classmethod
    def _family_parameters(cls, data: Any) -> dict:
        return validate_model_section(data, "model")


class DataSection(Params):
    """Training-set size and the size of the fixed evaluation sample drawn from the population."""

    n_train: int = Field(default=256, gt=0)
    eval_samples: int = Field(default=4096, gt=0)


class GridSection(Params):
    """`product`: key -> values, all combinations; `zip`: key -> values, taken in lockstep."""

    product: dict[str, list[Any]] = Field(default_factory=dict)
    zip: dict[str, list[Any]] = Field(default_factory=dict)


class StudySpec(Params):
    """A whole study. `task` and `options` are validated by the task and the study."""

    study: str
    name: str | None = None
    seeds: int | list[int] = 1
    device: str = "auto"
    max_group_size: int = Field(default=1024, gt=0)
    task: dict[str, Any]
    model: ModelSection = Field(default_factory=ModelSection)
    training: dict[str, Any] = Field(default_factory=dict)
    data: DataSection = Field(default_factory=DataSection)
    options: dict[str, Any] = Field(default_factory=dict)
    grid: GridSection = Field(default_factory=GridSection)

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v):
        if isinstance(v, int):
            if v < 1:
                raise SpecError("seeds", v, "a positive count or a non-empty list of integers")
        elif not v or len(set(v)) != len(v) or any(s < 0 for s in v):
            raise SpecError("seeds", v, "a non-empty list of distinct non-negative integers")
        count = v if isinstance(v, int) else len(v)
        if count > MAX_SEEDS:
            raise SpecError("seeds", v if isinstance(v, int) else f"{count} seeds",
                            f"at most {MAX_SEEDS} seeds (each is a training run)")
        return v

    @property
    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)


def normalize_grid(raw: Any) -> dict:
    """Accept the TOML form ({key: values, zip: {...}}) and return {product: .., zip: ..}."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SpecError("grid", raw, "a table of dotted keys to lists of values")
    raw = dict(raw)
    zipped = raw.pop("zip", {})
    product = raw.pop("product", {})
    if not isinstance(product, dict):
        raise SpecError("grid.product", product, "a table of dotted keys to lists of values")
    return {"product": {**product, **raw}, "zip": zipped}


def check_grid_keys(grid: GridSection) -> None:
    lengths = set()
    for kind, table in (("product", grid.product), ("zip", grid.zip)):
        for key, values in table.items():
            field = f"grid.{'zip.' if kind == 'zip' else ''}{key}"
            head = key.split(".")[0]
            if key not in GRID_TOP_LEVEL and (head not in GRID_SECTIONS or "." not in key):
                raise SpecError(field, key, "a dotted key into " + ", ".join(GRID_SECTIONS)
                                + " (e.g. model.width), or data_seed")
            if not values:
                raise SpecError(field, values, "a non-empty list of values")
            if key == "data_seed":
                for k, value in enumerate(values):
                    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                        raise SpecError(f"{field}[{k}]", value, "a non-negative integer seed")
            if kind == "zip":
                lengths.add(len(values))
    if len(lengths) > 1:
        raise SpecError("grid.zip", sorted(lengths), "lists of one common length")
