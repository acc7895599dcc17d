"""Card of the built-in study `decomposition` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar
from riskscope.studies.cards.common import TRAINER_SERIES, bookkeeping, train_test_loss

MSE = "squared error summed over outputs, mean over inputs"
NAN = "NaN: uncomputable (no known Bayes risk or no best-in-class run)"


def _ci(name: str, what: str):
    return scalar(f"{name}_ci_*", f"bounds of the {what}'s per-trial interval (from the "
                  "Monte-Carlo interval of the risk it is computed from)", None, None,
                  f"{MSE}; {NAN}")


CARD = StudyCard(
    name="decomposition",
    description=("Excess risk split into approximation, optimization, generalization gap "
                 "and remainder vs n and width, with bias/variance and rate fits."),
    target="riskscope.studies.builtin.decomposition:DecompositionStudy",
    declaration=declaration(
        scalar("excess_risk", "population risk of the trained network minus the Bayes risk: "
               "the sum of the four components below", None, None, f"{MSE}; {NAN}",
               headline=True),
        scalar("approximation_error", "best-in-class risk R(f_F) minus the Bayes risk "
               "(R(f_F) from online training with restarts: an upper estimate; one value "
               "shared by all seeds of a width, its interval is the Monte-Carlo one)", None,
               None, f"{MSE}; >= 0 in truth, the estimate may dip below 0 by Monte-Carlo "
               f"noise; {NAN}", headline=True),
        scalar("optimization_error", "training objective of the trained network minus the "
               "certified minimum's lower bound where a certificate applies (linear family: "
               "least squares; two-layer ReLU, 1-d input, weight decay: convex "
               "reformulation), else training risk minus the best training risk found on "
               "the same training set (restarts, longer runs: a lower estimate); see "
               "optimization_error_method", 0, None, MSE, headline=True),
        scalar("optimization_error_method", "how the optimization error was obtained "
               "(certified/exact minimum, or best of restarts)", unit="text"),
        scalar("trained_objective", "training objective J = training risk + (λ/2)‖θ‖² of "
               "the trained network (certified rows; NaN otherwise)", 0, None,
               f"{MSE}; NaN without a certificate"),
        scalar("objective_lower_bound", "proven lower bound on the minimum of J on the "
               "training set (certified rows; NaN otherwise)", None, None,
               f"{MSE}; NaN without a certificate"),
        scalar("certificate_gap", "attained value minus lower bound of the certified "
               "minimum (0 for least squares; NaN without a certificate)", None, None,
               f"{MSE}; NaN without a certificate"),
        scalar("certified", "1 when the minimum is certified within its tolerance, else 0",
               0, 1, "flag"),
        scalar("generalization_gap", "population risk minus training risk of the trained "
               "network", None, None, MSE, headline=True),
        scalar("remainder", "best training risk minus the best-in-class risk (sampling "
               "luck; reported, not hidden)", None, None, f"{MSE}; {NAN}", headline=True),
        _ci("excess_risk", "excess risk"), _ci("approximation_error", "approximation error"),
        _ci("generalization_gap", "generalization gap"), _ci("remainder", "remainder"),
        scalar("decomposition_residual", "excess risk minus the sum of the four components "
               "(float rounding only)", -1e-9, 1e-9, MSE),
        scalar("uncomputable", "components that could not be computed (comma-separated)",
               unit="text"),
        scalar("notes", "notes on the design (e.g. no known Bayes risk)", unit="text"),
        scalar("population_risk", "population risk of the trained network (fresh samples)",
               0, None, MSE),
        scalar("population_risk_ci_*", "bounds of the population risk's Monte-Carlo interval",
               None, None, MSE),
        scalar("population_risk_method", "how the population risk was estimated",
               unit="text"),
        scalar("train_risk", "final training risk of the trained network", 0, None, MSE),
        scalar("best_train_risk", "best training risk over the restarts on this training "
               "set; with a certificate, training risk minus the certified optimization error "
               "(the minimum training risk when weight decay is 0, else L − (λ/2)‖θ̂‖², "
               "which may be negative)", None, None, MSE),
        scalar("bias_squared", "bias² of the mean prediction over seeds and training sets "
               "(same for every member of a (width, n))", 0, None, MSE),
        scalar("variance", "variance of the predictions over seeds and training sets", 0, None,
               MSE),
        scalar("variance_init", "the variance's initialization part (law of total variance)",
               0, None, MSE),
        scalar("variance_data", "the variance's training-set part (law of total variance)", 0,
               None, MSE),
        scalar("mean_squared_error_to_target", "mean over members of the squared error to "
               "the noiseless target (bias² + variance)", 0, None, MSE),
        scalar("best_in_class_risk", "best-in-class risk R(f_F) (prerequisite trial: online "
               "training, best restart on validation)", 0, None, MSE),
        scalar("best_in_class_risk_ci_*", "bounds of R(f_F)'s Monte-Carlo interval", None,
               None, MSE),
        scalar("best_in_class_method", "how R(f_F) was estimated", unit="text"),
        scalar("restarts", "online restarts of the best-in-class run", 1, None, "count"),
        scalar("selected_restart", "index of the restart kept (best on validation)", 0, None,
               "index"),
        scalar("restart_risk_*", "smallest and largest validation risk over the restarts", 0,
               None, MSE),
        scalar("seconds_*", "wall time of a phase (training, restarts, analysis, best-in-class "
               "training/analysis), the group's time shared among its members", 0, None,
               "seconds"),
        *train_test_loss(unit=MSE),
        *bookkeeping("bayes_risk", "stop_reason", "stop_step", "num_parameters"),
        *TRAINER_SERIES,
        report_figures=(),
        headline_figure="decomposition",
    ),
)
