"""Card of the built-in study `pac-bayes` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar, series
from riskscope.studies.cards.common import CERTIFICATE_SERIES, certificate_results

CARD = StudyCard(
    name="pac-bayes",
    description=("Certified PAC-Bayes bounds (kl bound + Monte-Carlo step) of trained MLPs "
                 "on digits and MNIST-1D, beside their stochastic and deterministic test "
                 "errors."),
    target="riskscope.studies.builtin.pac_bayes:PacBayesStudy",
    declaration=declaration(
        *certificate_results("", headline=True),
        scalar("stop_reason", "why the prior's training stopped (diverged members only)",
               unit="text"),
        *CERTIFICATE_SERIES,
        series("train_loss", "training loss of the posterior-mean network's training", 0, None,
               "cross-entropy"),
        series("test_loss", "test loss during training", 0, None, "cross-entropy"),
        series("train_risk", "0-1 training error during training", 0, 1, "0-1 error"),
        series("test_risk", "0-1 test error during training", 0, 1, "0-1 error"),
        report_figures=(),
        headline_figure=None,
    ),
)
