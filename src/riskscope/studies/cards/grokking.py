"""Card of the built-in study `grokking` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar, series
from riskscope.studies.cards.common import NAN_CENSORED, TRAINER_SERIES

ERR = "0-1 error on the modular-arithmetic pairs"
CE = "cross-entropy (nats)"
STEPS = f"logged steps (exact up to the log spacing); {NAN_CENSORED}"

CARD = StudyCard(
    name="grokking",
    description=("Grokking on modular arithmetic: steps to fit and to generalize vs train "
                 "fraction and weight decay, with progress measures."),
    target="riskscope.studies.builtin.grokking:GrokkingStudy",
    declaration=declaration(
        scalar("steps_to_generalize", "first logged step with test accuracy ≥ the threshold "
               "(0.99 by default)", 0, None, STEPS, headline=True),
        scalar("steps_to_fit", "first logged step with training accuracy ≥ the threshold", 0,
               None, STEPS, headline=True),
        scalar("grokking_delay", "steps_to_generalize − steps_to_fit: the delay of "
               "generalization after memorization", None, None, STEPS, headline=True),
        scalar("final_test_accuracy", "test accuracy on the held-out pairs at the end", 0, 1,
               "accuracy", headline=True),
        scalar("final_fourier_concentration", "share of the embedding's energy in its top-k "
               "Fourier frequencies at the end (Nanda et al. 2023)", 0, 1, "fraction",
               headline=True),
        scalar("final_train_accuracy", "training accuracy at the end", 0, 1, "accuracy"),
        scalar("final_neuron_fourier_concentration", "the same concentration per neuron, "
               "averaged", 0, 1, "fraction"),
        scalar("final_weight_norm", "Euclidean norm of all parameters at the end", 0, None,
               "L2 norm"),
        scalar("final_restricted_loss", "loss with only the key frequencies kept (addition)",
               0, None, f"{CE}; NaN: not addition"),
        scalar("final_excluded_loss", "loss with the key frequencies removed (addition)", 0,
               None, f"{CE}; NaN: not addition"),
        scalar("population_risk", "final 0-1 error on the held-out pairs", 0, 1, ERR),
        scalar("population_risk_ci_*", "bounds of its Student-t 95% interval over held-out "
               "pairs (may cross [0, 1])", None, None, ERR),
        scalar("train_risk", "final training 0-1 error (also a series)", 0, 1, ERR),
        scalar("test_risk", "final held-out 0-1 error (also a series)", 0, 1, ERR),
        scalar("generalization_gap", "test risk − training risk", -1, 1, ERR),
        scalar("train_loss", "final training loss (also a series)", 0, None, CE),
        scalar("test_loss", "final held-out loss (also a series)", 0, None, CE),
        scalar("train_pairs", "training pairs: round(train_fraction · p²)", 1, None, "count"),
        scalar("num_parameters", "trainable parameters", 1, None, "count"),
        scalar("wall_s", "wall time of the group's training", 0, None, "seconds"),
        series("fourier_concentration", "embedding's top-k Fourier concentration over "
               "training", 0, 1, "fraction"),
        series("neuron_fourier_concentration", "per-neuron Fourier concentration over "
               "training", 0, 1, "fraction"),
        series("restricted_loss", "restricted loss over training (addition)", 0, None, CE),
        series("excluded_loss", "excluded loss over training (addition)", 0, None, CE),
        *TRAINER_SERIES,
        report_figures=("progress_measures", "steps_to_threshold"),
        headline_figure="progress_measures",
    ),
)
