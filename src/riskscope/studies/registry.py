"""The registry of studies by name: the built-in ones and plugins (see `plugins`)."""

from __future__ import annotations

from riskscope.core.errors import SpecError, unknown_name_error
from riskscope.studies.plugins import load_entry_point_studies
from riskscope.studies.study import Study

_STUDIES: dict[str, type[Study]] = {}


def register_study(cls: type[Study]) -> type[Study]:
    if not (isinstance(cls, type) and issubclass(cls, Study)):
        raise SpecError("study", getattr(cls, "__name__", cls), "a subclass of riskscope Study")
    _STUDIES[cls.name] = cls
    return cls


def study_names() -> list[str]:
    load_entry_point_studies(register_study)
    return sorted(_STUDIES)


def get_study(name: str, field: str = "study") -> Study:
    if isinstance(name, str) and name not in _STUDIES:
        load_entry_point_studies(register_study)
    if not isinstance(name, str) or name not in _STUDIES:
        raise unknown_name_error(field, str(name), _STUDIES)
    return _STUDIES[name]()


def study_descriptions() -> dict[str, str]:
    return {name: _STUDIES[name].description for name in study_names()}
