"""Card of the built-in study `sparse-parity` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar, series
from riskscope.studies.cards.common import NAN_CENSORED

STEPS = f"steps (= samples seen, online); {NAN_CENSORED}"
GAP = "Fourier coefficient units of z₁ − z₀"

CARD = StudyCard(
    name="sparse-parity",
    description=("Sparse parity: steps-to-learn vs n for k = 2, 3, abrupt transitions and "
                 "hidden progress (Fourier gap, weight movement, support alignment)."),
    target="riskscope.studies.builtin.sparse_parity:SparseParityStudy",
    declaration=declaration(
        scalar("steps_to_learn", "first measured step with test accuracy ≥ the threshold "
               "(Barak et al. 2022: grows like n^(k−1))", 0, None, STEPS, headline=True),
        scalar("relative_width", "(t90 − t10) / steps_to_learn: small = an abrupt transition",
               None, None, f"ratio; {NAN_CENSORED}", headline=True),
        scalar("final_test_accuracy", "test accuracy at the end", 0, 1, "accuracy",
               headline=True),
        scalar("plateau_fourier_gap", "Fourier gap (support coefficient − largest other) at "
               "the end of the plateau: hidden progress before the loss moves", None, None, GAP,
               headline=True),
        scalar("learned", "1 when the threshold was reached", 0, 1, "boolean"),
        scalar("t10", "step at 10% of the way from chance to perfect accuracy", 0, None, STEPS),
        scalar("t90", "step at 90% of the way", 0, None, STEPS),
        scalar("transition_width", "t90 − t10", None, None, STEPS),
        scalar("final_test_loss", "test loss at the end", 0, None, "the training loss"),
        scalar("plateau_end_step", "last measurement with accuracy below chance + 0.1", 0,
               None, "steps"),
        scalar("plateau_test_accuracy", "test accuracy there", 0, 1, "accuracy"),
        scalar("plateau_fourier_step", "step of the Fourier gap measurement used for the "
               "plateau", 0, None, "steps"),
        scalar("initial_fourier_gap", "Fourier gap at initialization", None, None, GAP),
        scalar("final_fourier_gap", "Fourier gap at the last measurement", None, None, GAP),
        scalar("initial_support_alignment", "first layer's weight share on the support at "
               "init", 0, 1, "fraction; chance = support_alignment_chance"),
        scalar("plateau_support_alignment", "the same at the end of the plateau", 0, 1,
               "fraction"),
        scalar("final_support_alignment", "the same at the end", 0, 1, "fraction"),
        scalar("support_alignment_chance", "k/n: the alignment of random weights", 0, 1,
               "fraction"),
        scalar("plateau_weight_movement_l1", "first layer's L1 movement from init at the end "
               "of the plateau", 0, None, "L1 norm"),
        scalar("final_weight_movement_l1", "the same at the end", 0, None, "L1 norm"),
        scalar("final_effective_rank", "effective rank of the hidden features on the "
               "evaluation sample", 0, None, "rank"),
        scalar("final_activation_zero_fraction", "share of zero hidden activations", 0, 1,
               "fraction"),
        scalar("final_dead_fraction", "share of neurons zero on every input", 0, 1,
               "fraction"),
        scalar("final_nc*", "neural collapse NC1–NC4 of the classifier (Papyan et al. 2020)",
               None, None, "the measure's own (0 = collapsed)"),
        scalar("n_bits", "input bits n", 1, None, "count"),
        scalar("k", "parity degree k", 1, None, "count"),
        scalar("fourier_method", "how Fourier coefficients were computed", unit="text"),
        scalar("steps_run", "steps trained (stops early once learned)", 0, None, "steps"),
        scalar("group_wall_s", "wall time of the ensemble's training", 0, None, "seconds"),
        series("test_accuracy", "test accuracy over training", 0, 1, "accuracy"),
        series("test_loss", "test loss over training", 0, None, "the training loss"),
        series("fourier_gap", "Fourier gap over training", None, None, GAP),
        series("support_coefficient", "Fourier coefficient of z₁ − z₀ on the secret support",
               None, None, GAP),
        series("max_other_coefficient", "largest Fourier coefficient off the support", None,
               None, GAP),
        series("support_alignment", "first layer's weight share on the support", 0, 1,
               "fraction"),
        series("weight_movement_l1", "first layer's L1 movement from init", 0, None,
               "L1 norm"),
        series("weight_movement_relative", "first layer's movement relative to its initial "
               "norm", 0, None, "ratio"),
        report_figures=("steps_to_threshold",),
        headline_figure="steps_to_threshold",
    ),
)
