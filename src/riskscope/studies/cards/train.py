"""Card of the built-in study `train` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar
from riskscope.studies.cards.common import (
    TRAINER_SERIES,
    bookkeeping,
    population_risk,
    train_test_loss,
)

RISK = "the task's risk (squared error or 0-1 error)"

CARD = StudyCard(
    name="train",
    description="Train an ensemble on a task; record trajectories, risks with CIs, gaps.",
    target="riskscope.studies.builtin.train:TrainStudy",
    declaration=declaration(
        *population_risk(unit=RISK, headline=True),
        scalar("generalization_gap", "population risk minus final training risk", None, None,
               RISK, headline=True),
        scalar("excess_risk", "population risk minus the Bayes risk (NaN when the task has "
               "no known Bayes risk)", None, None, f"{RISK}; NaN: Bayes risk unknown",
               headline=True),
        scalar("train_risk", "training risk at the end of training (also a series over "
               "training)", 0, None, RISK, headline=True),
        scalar("test_risk", "risk on the evaluation sample at the end of training (also a "
               "series over training)", 0, None, RISK),
        *train_test_loss(),
        *bookkeeping("bayes_risk", "stop_reason", "stop_step", "num_parameters", "group_size",
                     "group_wall_s"),
        *TRAINER_SERIES,
        report_figures=(),
        headline_figure="population_risk",
    ),
)
