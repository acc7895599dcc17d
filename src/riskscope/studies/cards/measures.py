"""Card of the built-in study `measures` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar
from riskscope.studies.cards.common import TRAINER_SERIES

ERR = "0-1 error"

CARD = StudyCard(
    name="measures",
    description=("Complexity measures (norms, margins, sharpness, flatness, Fisher-Rao, "
                 "speed) over a zoo of MLPs, scored against the gap by Kendall τ, Ψ and CMI."),
    target="riskscope.studies.builtin.measures:MeasuresStudy",
    declaration=declaration(
        scalar("generalization_gap", "test error − training error: what the measures are "
               "scored against", -1, 1, ERR, headline=True),
        scalar("test_error", "0-1 error on the evaluation set", 0, 1, ERR, headline=True),
        scalar("train_error", "0-1 error on the training set", 0, 1, ERR, headline=True),
        scalar("reached_target_loss", "1 when training stopped at the target cross-entropy "
               "(Jiang et al. 2020: compare models at equal training loss)", 0, 1, "boolean"),
        scalar("measure_*", "a complexity measure of riskscope.analyses.measures.MEASURES "
               "(norms, margins, sharpness, flatness, Fisher-Rao, speed)", None, None,
               "the measure's own; NaN: undefined for this model (e.g. a negative margin)"),
        scalar("margin", "the output margin the margin-normalized measures use", None, None,
               "logit units"),
        scalar("scale_*", "perturbation scales found by the sharpness/flatness searches", 0,
               None, "weight scale"),
        scalar("train_loss", "final training loss (also a series)", 0, None, "cross-entropy"),
        scalar("stop_step", "step at which training stopped", 0, None, "steps"),
        scalar("stop_reason", "why training stopped (diverged members only)", unit="text"),
        scalar("layer_measures_unavailable", "why layer-wise measures are NaN for this model "
               "(not a chain of weight layers, e.g. a ResNet; parameters outside weight "
               "layers, e.g. a transformer)", unit="text"),
        scalar("num_parameters", "trainable parameters", 1, None, "count"),
        scalar("test_loss", "held-out loss over training (series)", 0, None, "cross-entropy",
               ),
        scalar("train_risk", "training 0-1 error over training (series)", 0, 1, ERR),
        scalar("test_risk", "held-out 0-1 error over training (series)", 0, 1, ERR),
        *TRAINER_SERIES,
        report_figures=(),
        headline_figure="generalization_gap",
    ),
)
