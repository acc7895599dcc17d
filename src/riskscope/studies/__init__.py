"""Studies: spec schema, grid expansion, the registry (cards of the built-ins), runner and
executors.

Attributes are imported lazily (PEP 562), so `riskscope.studies.registry` and the built-in
studies' cards (names, descriptions, declared results) load without torch; a built-in study's
code is imported when the study is looked up by `get_study`.
"""

from __future__ import annotations

from riskscope.core.lazy_exports import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
