"""The registry of built-in studies by name."""

from __future__ import annotations

from riskscope.core.errors import unknown_name_error
from riskscope.studies.study import Study

_STUDIES: dict[str, type[Study]] = {}


def register_study(cls: type[Study]) -> type[Study]:
    _STUDIES[cls.name] = cls
    return cls


def study_names() -> list[str]:
    return sorted(_STUDIES)


def get_study(name: str, field: str = "study") -> Study:
    if not isinstance(name, str) or name not in _STUDIES:
        raise unknown_name_error(field, str(name), _STUDIES)
    return _STUDIES[name]()


def study_descriptions() -> dict[str, str]:
    return {name: _STUDIES[name].description for name in study_names()}
