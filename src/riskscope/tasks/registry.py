"""The registry of tasks by name: `make_task("teacher-student-regression", {...})`.

Built-in tasks are listed by name here with the module that defines them, so `task_names()`
answers without importing torch; a task's module is imported the first time it is looked up
(tests/tasks/test_registry_and_params.py checks that this list matches what the modules
register). User tasks register with the `register_task` class decorator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from riskscope.core.errors import unknown_name_error

if TYPE_CHECKING:
    from riskscope.tasks.base import Task

#: name -> module whose import registers it
BUILTIN_TASKS: dict[str, str] = {
    "arrays": "riskscope.tasks.real.arrays",
    "digits": "riskscope.tasks.real.digits",
    "fourier-series": "riskscope.tasks.smooth_regression",
    "gaussian-design": "riskscope.tasks.gaussian_design",
    "gaussian-mixture": "riskscope.tasks.gaussian_mixture",
    "image-files": "riskscope.tasks.real.image_files",
    "label-noise": "riskscope.tasks.label_noise",
    "mnist1d": "riskscope.tasks.real.mnist_1d",
    "modular-addition": "riskscope.tasks.modular",
    "modular-multiplication": "riskscope.tasks.modular",
    "multi-index": "riskscope.tasks.sparse.index_models",
    "single-index": "riskscope.tasks.sparse.index_models",
    "sparse-parity": "riskscope.tasks.sparse.sparse_parity",
    "staircase": "riskscope.tasks.sparse.staircase",
    "teacher-student-classification": "riskscope.tasks.teacher_student_classification",
    "teacher-student-regression": "riskscope.tasks.teacher_student_regression",
}

_TASKS: dict[str, type[Task]] = {}


def register_task(cls: type[Task]) -> type[Task]:
    """Class decorator: make `cls` available under `cls.name`."""
    _TASKS[cls.name] = cls
    return cls


def task_names() -> list[str]:
    """Every task a spec can name (built-in and registered), without importing any."""
    return sorted({*BUILTIN_TASKS, *_TASKS})


def task_class(name: str, field: str = "task.name") -> type[Task]:
    if not isinstance(name, str):
        raise unknown_name_error(field, repr(name), task_names())
    if name not in _TASKS and name in BUILTIN_TASKS:
        importlib.import_module(BUILTIN_TASKS[name])
    if name not in _TASKS:
        raise unknown_name_error(field, name, task_names())
    return _TASKS[name]


def make_task(name: str, params: dict | None = None, field: str = "task") -> Task:
    """Validate `params` against the task's parameter model and build the task."""
    from riskscope.core.validation import validate_params

    cls = task_class(name, f"{field}.name")
    return cls(validate_params(cls.Params, params or {}, prefix=field))
