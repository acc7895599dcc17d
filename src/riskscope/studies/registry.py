"""The registry of studies by name: built-in studies by their cards, user studies by class.

Names, descriptions and declared results come from `StudyCard`s (`riskscope.studies.cards`,
pure data), so listing and describing studies never imports a study's code, torch or cvxpy.
`get_study(name)` imports a built-in study's module on first use. `register_study` (a class
decorator) adds a user's Study subclass, whose card is made from its class attributes; studies
of other packages come in through the `riskscope.studies` entry points (loaded the first time
a name is not known, or when all names are listed) or `--plugin` (`studies/plugins.py`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from riskscope.core.declared_results import ResultDeclaration
from riskscope.core.errors import SpecError, unknown_name_error
from riskscope.studies.card import StudyCard, declaration, scalar
from riskscope.studies.cards import BUILTIN_CARDS
from riskscope.studies.plugins import load_entry_point_studies

if TYPE_CHECKING:
    from riskscope.studies.study import Study

_CARDS: dict[str, StudyCard] = {card.name: card for card in BUILTIN_CARDS}
_CLASSES: dict[str, type[Study]] = {}


def _card_from_class(cls: type[Study]) -> StudyCard:
    decl = getattr(cls, "declaration", None)
    if not isinstance(decl, ResultDeclaration) or not decl.results:
        # an older user study: its summary columns become its (unbounded) headline results
        decl = declaration(*(scalar(c, c, headline=True) for c in cls.summary_columns),
                           report_figures=tuple(cls.report_figures))
    return StudyCard(cls.name, cls.description, decl)


def register_study(cls: type[Study]) -> type[Study]:
    """Register a Study subclass under `cls.name` (a built-in's card stays the one in
    `riskscope.studies.cards`)."""
    # checked through the MRO: the registry must not import the Study module (it pulls torch)
    if not (isinstance(cls, type) and any(
            (c.__module__, c.__qualname__) == ("riskscope.studies.study", "Study")
            for c in cls.__mro__)):
        raise SpecError("study", getattr(cls, "__name__", cls), "a subclass of riskscope Study")
    _CLASSES[cls.name] = cls
    if cls.name not in _CARDS or _CARDS[cls.name].target is None:
        _CARDS[cls.name] = _card_from_class(cls)
    return cls


def study_names() -> list[str]:
    load_entry_point_studies(register_study)
    return sorted(_CARDS)


def study_card(name: str, field: str = "study") -> StudyCard:
    """The card of `name` (no study code imported; a plugin's entry points are loaded if the
    name is not known yet)."""
    if isinstance(name, str) and name not in _CARDS:
        load_entry_point_studies(register_study)
    if not isinstance(name, str) or name not in _CARDS:
        raise unknown_name_error(field, str(name), _CARDS)
    return _CARDS[name]


def study_declaration(name: str, field: str = "study") -> ResultDeclaration:
    return study_card(name, field).declaration


def study_class(name: str, field: str = "study") -> type[Study]:
    """The Study subclass of `name`, importing a built-in study's module on first use."""
    if not isinstance(name, str):
        raise unknown_name_error(field, repr(name), _CARDS)
    if name in _CLASSES:
        return _CLASSES[name]
    card = study_card(name, field)  # may register a plugin's class (entry points)
    if name in _CLASSES:
        return _CLASSES[name]
    module, _, attr = (card.target or "").partition(":")
    cls = getattr(importlib.import_module(module), attr)
    _CLASSES.setdefault(name, cls)
    return _CLASSES[name]


def get_study(name: str, field: str = "study") -> Study:
    return study_class(name, field)()


def study_descriptions() -> dict[str, str]:
    return {name: _CARDS[name].description for name in study_names()}


__all__ = ["get_study", "register_study", "study_card", "study_class", "study_declaration",
           "study_descriptions", "study_names"]
