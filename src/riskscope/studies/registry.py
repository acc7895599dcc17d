"""The registry of studies by name: the built-ins (registered on first use) and user studies."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from riskscope.core.errors import unknown_name_error

if TYPE_CHECKING:
    from riskscope.studies.study import Study

_STUDIES: dict[str, type[Study]] = {}


def _load_builtins() -> None:
    importlib.import_module("riskscope.studies.builtin")  # registers every built-in study


def register_study(cls: type[Study]) -> type[Study]:
    _STUDIES[cls.name] = cls
    return cls


def study_names() -> list[str]:
    _load_builtins()
    return sorted(_STUDIES)


def get_study(name: str, field: str = "study") -> Study:
    _load_builtins()
    if not isinstance(name, str) or name not in _STUDIES:
        raise unknown_name_error(field, str(name), _STUDIES)
    return _STUDIES[name]()


def study_descriptions() -> dict[str, str]:
    return {name: _STUDIES[name].description for name in study_names()}
