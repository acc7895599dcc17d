"""Card of the built-in study `neural-collapse` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar, series
from riskscope.studies.cards.common import TRAINER_SERIES, bookkeeping, train_test_loss

ERR = "0-1 error"
OWN = "the measure's own, 0 at collapse"
NEVER = "NaN: training error never stayed at 0 (no terminal phase)"
SEE = "(also a series over training; probes/features/neural_collapse.py)"

CARD = StudyCard(
    name="neural-collapse",
    description=("Neural collapse NC1–NC4 of the training set's last-layer features over "
                 "training, well into the terminal phase (Papyan, Han & Donoho 2020)."),
    target="riskscope.studies.builtin.neural_collapse:NeuralCollapseStudy",
    declaration=declaration(
        scalar("nc1_decades_terminal", "orders of magnitude NC1 fell during the terminal "
               "phase: log10(NC1 at its start / NC1 at the end); negative if it rose", None,
               None, f"decades; {NEVER}", headline=True),
        scalar("nc1", "NC1 = Tr(Σ_W Σ_B^†)/C of the training features at the end " + SEE, 0,
               None, OWN, headline=True),
        scalar("nc2_equinorm", "std/mean of the centred class-mean norms ‖μ_c − μ_G‖ at the "
               "end " + SEE, 0, None, OWN, headline=True),
        scalar("nc2_equiangular", "mean |cos(μ_c − μ_G, μ_c' − μ_G) + 1/(C−1)| over class "
               "pairs at the end: distance from a simplex ETF's angles " + SEE, 0, 2, OWN,
               headline=True),
        scalar("nc3", "‖W/‖W‖ − M/‖M‖‖_F² of the classifier W and the centred means M at the "
               "end (self-duality) " + SEE, 0, 4, OWN, headline=True),
        scalar("nc4", "share of training examples where the network's prediction differs from "
               "the nearest class mean's at the end " + SEE, 0, 1, OWN, headline=True),
        scalar("test_error", "0-1 error on the evaluation sample at the end (also a series: "
               "test_risk)", 0, 1, ERR, headline=True),
        scalar("nc2_cosine_std", "std of the pairwise cosines of the centred class means "
               "(Papyan et al.'s equiangularity) " + SEE, 0, 2, OWN),
        scalar("nc2_classifier_equinorm", "std/mean of the classifier rows' norms ‖w_c‖ " + SEE,
               0, None, OWN),
        scalar("feature_norm", "mean norm of the centred class means, mean_c ‖μ_c − μ_G‖ "
               "(not scale-free, unlike NC1–NC4) " + SEE, 0, None, "feature units"),
        scalar("train_error", "0-1 training error at the end, from the recorded features and "
               "readout (also a series)", 0, 1, ERR),
        scalar("terminal_start_step", "first measured step from which the training error "
               "stays 0 (start of the terminal phase, to within the measurement grid)", 0,
               None, f"steps; {NEVER}"),
        scalar("terminal_fraction", "share of the step budget spent in the terminal phase", 0,
               1, "fraction; 0 when never reached"),
        scalar("nc1_decades_total", "log10(NC1 at initialization / NC1 at the end)", None,
               None, "decades; NaN: a non-positive or non-finite NC1"),
        scalar("terminal_start_*", "NC1–NC4, the feature norm and the test error at the "
               "start of the terminal phase", None, None, f"as the measure's own; {NEVER}"),
        scalar("num_classes", "classes C of the task", 2, None, "count"),
        scalar("balanced", "whether the training set has n/C examples of every class",
               unit="bool"),
        *train_test_loss(unit="cross-entropy"),
        *bookkeeping("num_parameters", "group_size", "group_wall_s", "stop_step"),
        series("train_risk", "trainer's 0-1 training error over training", 0, 1, ERR),
        series("test_risk", "0-1 error on the evaluation sample over training", 0, 1, ERR),
        *TRAINER_SERIES,
        report_figures=("neural_collapse",),
        headline_figure="neural_collapse",
    ),
)
