"""Card of the built-in study `double-descent` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar
from riskscope.studies.cards.common import TRAINER_SERIES, population_risk, train_test_loss

RISK = ("0-1 error (network regime) or squared error (random-features regime; exact, "
        "closed form)")
PRED = "squared error; inf at the interpolation threshold of min-norm ridge"

CARD = StudyCard(
    name="double-descent",
    description=("Model-, epoch- and sample-wise double descent: MLPs with label noise on "
                 "MNIST-1D, and random-features ridge against its predicted risk."),
    target="riskscope.studies.builtin.double_descent:DoubleDescentStudy",
    declaration=declaration(
        scalar("test_risk", "test risk of the trained model on clean labels (also a series "
               "over training, network regime)", 0, None, RISK, headline=True),
        scalar("train_risk", "training risk on the (noisy) training labels (also a series)",
               0, None, RISK, headline=True),
        scalar("parameters_per_threshold", "model size over the interpolation threshold "
               "(parameters / (n·C), or N/n for random features): 1 is where the peak is "
               "expected", 0, None, "ratio", headline=True),
        scalar("variance", "variance of the predictions over seeds (one value per "
               "configuration)", 0, None, "squared error of softmax probabilities or outputs",
               headline=True),
        scalar("predicted_risk", "deterministic-equivalent prediction of the expected test "
               "risk (random-features regime)", 0, None, PRED, headline=True),
        scalar("bias2", "bias² of the mean prediction over seeds", 0, None,
               "squared error of softmax probabilities or outputs"),
        scalar("mse_risk", "bias² + variance: mean squared error of the probabilities", 0,
               None, "squared error of softmax probabilities"),
        scalar("generalization_gap", "test risk − training risk", None, None, RISK),
        *population_risk(unit=RISK),
        scalar("test_risk_method", "how the test risk was computed", unit="text"),
        scalar("test_risk_min", "smallest test risk over training (epoch-wise)", 0, 1,
               "0-1 error"),
        scalar("test_risk_min_step", "step of the smallest test risk", 0, None, "steps"),
        scalar("train_risk_clean", "training error against the clean training labels", 0, 1,
               "0-1 error"),
        scalar("memorized_fraction", "fraction of the wrong training labels the network "
               "reproduces", 0, 1, "fraction"),
        scalar("label_noise", "fraction of training labels made wrong", 0, 1, "fraction"),
        scalar("interpolation_threshold", "parameters at which the model can interpolate: n·C "
               "(network) or n (random features)", 0, None, "count"),
        scalar("predicted_bias", "predicted bias part of the test risk", 0, None, PRED),
        scalar("predicted_variance", "predicted variance part of the test risk", 0, None, PRED),
        scalar("irreducible_risk", "predicted irreducible part (noise) of the test risk", 0,
               None, "squared error"),
        scalar("readout_norm", "Euclidean norm of the ridge readout", 0, None, "L2 norm"),
        scalar("bayes_risk", "noise variance σ² (random-features regime)", 0, None,
               "squared error"),
        scalar("num_parameters", "trainable parameters (network) or features N", 0, None,
               "count"),
        scalar("stop_reason", "why training stopped", unit="text"),
        scalar("group_wall_s", "wall time of the ensemble's training", 0, None, "seconds"),
        *train_test_loss(unit="cross-entropy"),
        *TRAINER_SERIES,
        report_figures=("interpolation_threshold", "measured_vs_predicted", "epoch_wise",
                        "bias_variance"),
        headline_figure="interpolation_threshold",
    ),
)
