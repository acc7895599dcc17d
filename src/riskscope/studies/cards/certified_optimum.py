"""Card of the built-in study `certified-optimum` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar
from riskscope.studies.cards.common import TRAINER_SERIES, train_test_loss

OBJ = "training objective: mean squared error + (λ/2)‖θ‖² (= 2P/n of the convex program)"

CARD = StudyCard(
    name="certified-optimum",
    description=("Gap of SGD-trained two-layer ReLU nets (1-d input, weight decay) to the "
                 "certified global optimum of the convex reformulation."),
    target="riskscope.studies.builtin.certified_optimum:CertifiedOptimumStudy",
    declaration=declaration(
        scalar("certified_optimization_error", "trained objective minus the certified lower "
               "bound on the global optimum: a certified optimization error, not an estimate",
               None, None, OBJ, headline=True),
        scalar("relative_optimization_error", "certified optimization error / certified "
               "lower bound", None, None, "ratio", headline=True),
        scalar("certified_optimum", "global minimum of the objective on this training set "
               "(Pilanci & Ergen 2020, every activation pattern enumerated)", 0, None, OBJ,
               headline=True),
        scalar("trained_objective", "the trained network's objective", 0, None, OBJ,
               headline=True),
        scalar("certified_lower_bound", "dual lower bound certifying the optimum", None, None,
               OBJ),
        scalar("certificate_gap", "optimum minus its dual lower bound (≈ 0 when certified)",
               None, None, OBJ),
        scalar("certified", "1 when the solver certified optimality within rtol", 0, 1,
               "boolean"),
        scalar("optimum_units", "active neurons of the optimal network", 0, None, "count"),
        scalar("num_patterns", "activation patterns enumerated", 1, None, "count"),
        scalar("solve_time_s", "wall time of the convex solve", 0, None, "seconds"),
        scalar("stop_reason", "why training stopped (diverged members only)", unit="text"),
        *train_test_loss(unit="mean squared error"),
        *TRAINER_SERIES,
        report_figures=(),
        headline_figure="relative_optimization_error",
    ),
)
