"""Card of the built-in study `feature-vs-kernel` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar
from riskscope.studies.cards.common import TRAINER_SERIES

ERR = "0-1 error (parity) or MSE / Var(y) (regression), see error_metric"

CARD = StudyCard(
    name="feature-vs-kernel",
    description=("Trained network vs NTK regression vs random features on one sparse target: "
                 "test error vs training-set size, where feature learning wins."),
    target="riskscope.studies.builtin.feature_vs_kernel:FeatureVsKernelStudy",
    declaration=declaration(
        scalar("network_error", "test error of the trained network", 0, None, ERR,
               headline=True),
        scalar("ntk_error", "test error of kernel regression with the infinite-width NTK on "
               "the same training set", 0, None, ERR, headline=True),
        scalar("random_features_error", "test error of ridge regression on fixed random ReLU "
               "features", 0, None, ERR, headline=True),
        scalar("ntk_minus_network", "NTK error − network error (> 0: feature learning wins)",
               None, None, ERR),
        scalar("random_features_minus_network", "random-features error − network error",
               None, None, ERR),
        scalar("error_metric", "which error: zero_one or mse / Var(y)", unit="text"),
        scalar("n_train", "training-set size n", 1, None, "count"),
        scalar("kernel_eval_samples", "evaluation points the errors are measured on", 1, None,
               "count"),
        scalar("train_loss", "final training loss of the network (also a series)", 0, None,
               "the task's training loss"),
        scalar("test_loss", "evaluation loss over training (series)", 0, None,
               "the task's training loss"),
        scalar("train_risk", "training 0-1 error over training (series, parity)", 0, 1,
               "0-1 error"),
        scalar("test_risk", "evaluation 0-1 error over training (series, parity)", 0, 1,
               "0-1 error"),
        *TRAINER_SERIES,
        report_figures=(),
        headline_figure="network_error",
    ),
)
