"""Card of the built-in study `random-labels` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar, series
from riskscope.studies.cards.common import (
    CERTIFICATE_SERIES,
    TRAINER_SERIES,
    certificate_results,
)

ERR = "0-1 error"
NAN_GAP = "NaN when the observed gap is not positive or the bound has no explicit constants"

CARD = StudyCard(
    name="random-labels",
    description=("Networks fit partially or fully random labels (Zhang et al. 2017): train "
                 "and test error, the gap, and the bounds, against the noise fraction."),
    target="riskscope.studies.builtin.random_labels:RandomLabelsStudy",
    declaration=declaration(
        scalar("train_error", "0-1 error on the (noisy) training labels: 0 means every label, "
               "random ones included, was memorized", 0, 1, ERR, headline=True),
        scalar("test_error", "0-1 error on clean held-out labels", 0, 1, ERR, headline=True),
        scalar("generalization_gap", "test error − training error", -1, 1, ERR, headline=True),
        scalar("pac_bayes_bound", "certified PAC-Bayes bound on the Gibbs 0-1 error under the "
               "training (noisy-label) distribution", 0, 1, ERR, headline=True),
        scalar("test_error_ci_*", "bounds of the test error's Student-t 95% interval over "
               "held-out examples", None, None, ERR),
        scalar("noise_fraction", "fraction of training labels replaced by random classes", 0,
               1, "fraction"),
        scalar("changed_fraction", "fraction of training labels actually changed", 0, 1,
               "fraction"),
        scalar("margin", "output margin at the `margin_quantile` of training examples", None,
               None, "logit units"),
        scalar("margin_loss", "training margin loss L̂_γ at that margin", 0, 1, "fraction"),
        scalar("frobenius_*", "Frobenius-norm bound: its term, bound and their ratios to the "
               "gap", None, None, f"bound units; {NAN_GAP}"),
        scalar("path_norm_*", "path-norm bound: term, bound and ratios to the gap", None, None,
               f"bound units; {NAN_GAP}"),
        scalar("spectral_margin_*", "spectral-margin bound (Bartlett et al. 2017): term, "
               "bound and ratios to the gap", None, None, f"bound units; {NAN_GAP}"),
        *[r for r in certificate_results("pac_bayes_") if r.name != "pac_bayes_bound"],
        scalar("pac_bayes_spectral_*", "the PAC-Bayes spectral bound (Neyshabur et al. 2018): "
               "term, bound and ratios to the gap", None, None, f"bound units; {NAN_GAP}"),
        scalar("stop_reason", "why training stopped (diverged members only)", unit="text"),
        scalar("norm_bounds_unavailable", "why the norm bounds are missing for this model (not "
               "a chain of weight layers, e.g. a ResNet)", unit="text"),
        *CERTIFICATE_SERIES,
        series("train_loss", "training loss over training", 0, None, "cross-entropy"),
        series("test_loss", "loss on clean held-out labels over training", 0, None,
               "cross-entropy"),
        series("train_risk", "0-1 error on the noisy training labels over training", 0, 1, ERR),
        series("test_risk", "0-1 error on clean held-out labels over training", 0, 1, ERR),
        *TRAINER_SERIES,
        report_figures=(),
        headline_figure="train_error",
    ),
)
