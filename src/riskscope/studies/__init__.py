"""Studies: spec schema, grid expansion, the registry of built-ins, runner and executors."""

from riskscope.studies import builtin  # noqa: F401 - registers the built-in studies
from riskscope.studies.executors import Executor, GroupJob, GroupResult, LocalExecutor
from riskscope.studies.expand import expand_trials, group_trials
from riskscope.studies.load import load_spec
from riskscope.studies.registry import get_study, register_study, study_descriptions, study_names
from riskscope.studies.runner import ProgressSink, RunSummary, run_study
from riskscope.studies.spec import StudySpec
from riskscope.studies.study import GroupContext, Study, TrialOutcome
from riskscope.studies.trial import Trial

__all__ = [
    "Executor",
    "GroupContext",
    "GroupJob",
    "GroupResult",
    "LocalExecutor",
    "ProgressSink",
    "RunSummary",
    "Study",
    "StudySpec",
    "Trial",
    "TrialOutcome",
    "expand_trials",
    "get_study",
    "group_trials",
    "load_spec",
    "register_study",
    "run_study",
    "study_descriptions",
    "study_names",
]
