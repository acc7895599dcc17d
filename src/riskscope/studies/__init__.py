"""Studies: spec schema, grid expansion, the registry (cards of the built-ins), runner and
executors.

Attributes are imported lazily (PEP 562), so `riskscope.studies.registry` and the built-in
studies' cards (names, descriptions, declared results) load without torch; a built-in study's
code is imported when the study is looked up by `get_study`.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "Executor": "executors", "GroupJob": "executors", "GroupResult": "executors",
    "LocalExecutor": "executors",
    "expand_trials": "expand", "group_trials": "expand",
    "load_spec": "load",
    "get_study": "registry", "register_study": "registry", "study_card": "registry",
    "study_declaration": "registry", "study_descriptions": "registry", "study_names": "registry",
    "ProgressSink": "runner", "RunSummary": "runner", "run_study": "runner",
    "StudySpec": "spec",
    "StudyCard": "card",
    "GroupContext": "study", "Study": "study", "TrialOutcome": "study",
    "Trial": "trial",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f"riskscope.studies.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'riskscope.studies' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
