"""The registry of tasks by name: `make_task("teacher-student-regression", {...})`."""

from __future__ import annotations

from riskscope.core.errors import unknown_name_error
from riskscope.core.validation import validate_params
from riskscope.tasks.base import Task

_TASKS: dict[str, type[Task]] = {}


def register_task(cls: type[Task]) -> type[Task]:
    """Class decorator: make `cls` available under `cls.name`."""
    _TASKS[cls.name] = cls
    return cls


def task_names() -> list[str]:
    return sorted(_TASKS)


def task_class(name: str, field: str = "task.name") -> type[Task]:
    if name not in _TASKS:
        raise unknown_name_error(field, name, _TASKS)
    return _TASKS[name]


def make_task(name: str, params: dict | None = None, field: str = "task") -> Task:
    """Validate `params` against the task's parameter model and build the task."""
    cls = task_class(name, f"{field}.name")
    return cls(validate_params(cls.Params, params or {}, prefix=field))
