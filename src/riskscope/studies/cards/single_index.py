"""Card of the built-in study `single-index` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar
from riskscope.studies.cards.common import TRAINER_SERIES

ERR = "test MSE / Var(y) (1 = predicting 0)"

CARD = StudyCard(
    name="single-index",
    description=("Sparse single-index models: test error vs samples and dimension for "
                 "information exponents 1, 2, 3 (sample complexity)."),
    target="riskscope.studies.builtin.single_index:SingleIndexStudy",
    declaration=declaration(
        scalar("test_error", "test mean squared error over Var(y) on the evaluation sample",
               0, None, ERR, headline=True),
        scalar("alignment", "share of the first layer's squared weight along w* (or the span "
               "of the directions)", 0, 1, "fraction; chance = alignment_chance",
               headline=True),
        scalar("best_neuron_cosine2", "largest squared cosine of a neuron with w* (or the "
               "span)", 0, 1, "squared cosine", headline=True),
        scalar("alignment_chance", "the alignment of random weights: 1/d (r/d for r "
               "directions)", 0, 1, "fraction"),
        scalar("information_exponent", "information exponent p of the link", 1, None,
               "integer"),
        scalar("input_dim", "input dimension d", 1, None, "count"),
        scalar("n_train", "training-set size n", 1, None, "count"),
        scalar("link", "link of the multi-index task (sum or product)", unit="text"),
        scalar("num_directions", "directions r of the multi-index task", 1, None, "count"),
        scalar("train_loss", "final training loss (also a series)", 0, None, "squared error"),
        scalar("test_loss", "evaluation loss over training (series)", 0, None,
               "squared error"),
        scalar("stop_reason", "why training stopped", unit="text"),
        *TRAINER_SERIES,
        report_figures=(),
        headline_figure="test_error",
    ),
)
