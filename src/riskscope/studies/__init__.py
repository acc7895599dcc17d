"""Studies: spec schema, grid expansion, the registry of built-ins, runner and executors.

The names below are imported on first use (PEP 562): `riskscope studies` and `--help` must not
pay for torch. Built-in studies register when the registry first needs them.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "Executor": "riskscope.studies.executors",
    "GroupJob": "riskscope.studies.executors",
    "GroupResult": "riskscope.studies.executors",
    "LocalExecutor": "riskscope.studies.executors",
    "expand_trials": "riskscope.studies.expand",
    "group_trials": "riskscope.studies.expand",
    "load_spec": "riskscope.studies.load",
    "get_study": "riskscope.studies.registry",
    "register_study": "riskscope.studies.registry",
    "study_descriptions": "riskscope.studies.registry",
    "study_names": "riskscope.studies.registry",
    "ProgressSink": "riskscope.studies.runner",
    "RunSummary": "riskscope.studies.runner",
    "run_study": "riskscope.studies.runner",
    "StudySpec": "riskscope.studies.spec",
    "GroupContext": "riskscope.studies.study",
    "Study": "riskscope.studies.study",
    "TrialOutcome": "riskscope.studies.study",
    "Trial": "riskscope.studies.trial",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'riskscope.studies' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
