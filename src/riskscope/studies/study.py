"""The Study interface: a built-in experiment with presets, run group by group.

A study declares its options (a pydantic model), a `smoke` preset (seconds, used by the tests)
and a `full` preset (real use), and how to run a group of trials that share one ensemble.
Keys in `ensemble_keys` may differ between members of one group; all else must be equal.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import torch

from riskscope.core.declared_results import ResultDeclaration
from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.models.families import FAMILIES
from riskscope.studies.card import StudyCard
from riskscope.studies.trial import Trial


class NoOptions(Params):
    """This study takes no options."""


@dataclass
class TrialOutcome:
    """What one trial produced. status: done | diverged | failed."""

    status: str
    result: dict
    metrics: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)
    artifacts: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    error: str | None = None


@dataclass
class GroupContext:
    """device: where to train; progress: called with steps done; inputs: the results of the
    group's prerequisite trials, by trial hash (see Study.prerequisites)."""

    device: torch.device
    progress: Callable[[int], None] | None = None
    inputs: dict[str, dict] = field(default_factory=dict)


#: every model family (riskscope.models.families), for studies that train any of them
ALL_FAMILIES: tuple[str, ...] = FAMILIES


class Study(ABC):
    #: a built-in study sets `card` (its torch-free `StudyCard`, studies/cards/): name,
    #: description, declaration, summary columns and report figures are then taken from it
    card: ClassVar[StudyCard | None] = None
    name: ClassVar[str]
    description: ClassVar[str]
    Options: ClassVar[type[Params]] = NoOptions
    presets: ClassVar[dict[str, dict]]
    ensemble_keys: ClassVar[tuple[str, ...]] = (
        "seed", "data_seed", "training.lr", "training.weight_decay")
    #: the results the study stores, their meaning, range and headline flags, and its report's
    #: figures (docs/studies.md). Built-in studies take it from their card
    #: (`riskscope.studies.cards`); a user study without one gets a card made from
    #: `summary_columns` and `report_figures`.
    declaration: ClassVar[ResultDeclaration] = ResultDeclaration()
    #: result columns shown first by `riskscope run`/`show` (means with CIs over seeds); a
    #: declaration's headline results take their place
    summary_columns: ClassVar[tuple[str, ...]] = ()
    #: True when run_group computes statistics across its members (e.g. variance over seeds):
    #: then a group is always run whole, even when some of its trials are already stored.
    whole_groups: ClassVar[bool] = False
    #: model families this study trains (riskscope.models.families); others are refused at
    #: spec time with a message naming them
    supported_families: ClassVar[tuple[str, ...]] = ("mlp",)
    #: the report's study-specific figures, by name (`riskscope.report.study_figures`), drawn
    #: from the stored results and series besides the generic ones every report has (a
    #: declaration's `report_figures` take their place)
    report_figures: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        card = cls.__dict__.get("card")
        if card is not None:  # one source for what the registry lists and the class runs
            cls.name, cls.description = card.name, card.description
            cls.declaration = card.declaration
            cls.summary_columns = card.summary_columns
            cls.report_figures = card.declaration.report_figures

    def prerequisites(self, trial: Trial) -> list[Trial]:
        """Trials whose results this trial's group needs (run first, stored like any trial,
        shared between the trials that name the same one). None by default."""
        return []

    def work_steps(self, trial: Trial) -> int:
        """Progress units one trial's group takes (the step budget by default)."""
        return trial.training().steps

    def check_trial(self, trial: Trial) -> None:  # noqa: B027 - optional hook
        """Cross-field checks on a resolved trial; raise SpecError."""

    @abstractmethod
    def run_group(self, trials: list[Trial], ctx: GroupContext) -> list[TrialOutcome]:
        """Run trials that share one ensemble shape; one outcome per trial, in order."""


def check_family(study: Study, family: str) -> None:
    """SpecError unless `study` declares `family` among its `supported_families`."""
    if family not in study.supported_families:
        raise SpecError("model.family", family,
                        f"one of {', '.join(study.supported_families)} (the families study "
                        f"{study.name!r} supports)")


def refuse_batch_norm(trial: Trial, why: str) -> None:
    """SpecError for a trial whose model has batch norm, when `why` needs a network whose
    function its parameters alone fix (a PAC-Bayes posterior over the weights)."""
    model = trial.section("model")
    if model.get("normalization") == "batch":
        raise SpecError("model.normalization", "batch", f"'none', 'layer' or 'group': {why} "
                        "(batch-norm running statistics are learned from the data but are "
                        "not parameters of the posterior)")
