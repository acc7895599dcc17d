"""Card of the built-in study `edge-of-stability` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar, series

LOSS = "the training loss (squared error on one-hot targets for classification, no ½)"
SHARP = "top eigenvalue of the Hessian of the full training loss"
NAN_DIV = "NaN: the member diverged before it was measured"

CARD = StudyCard(
    name="edge-of-stability",
    description=("Sharpness (top Hessian eigenvalue) vs 2/η along full-batch GD for several "
                 "step sizes: progressive sharpening and the edge of stability."),
    target="riskscope.studies.builtin.edge_of_stability:EdgeOfStabilityStudy",
    declaration=declaration(
        scalar("sharpness_ratio_late", "median of sharpness/(2/η) over the last quarter of "
               "training (≈ 1 at the edge of stability, Cohen et al. 2021)", 0, None,
               f"ratio to 2/η; {NAN_DIV}", headline=True),
        scalar("max_sharpness", f"largest measured {SHARP}", None, None,
               f"{LOSS}, mean over examples; {NAN_DIV}", headline=True),
        scalar("threshold", "the stability threshold 2/η of the member's step size", 0, None,
               "1/step size", headline=True),
        scalar("initial_sharpness", f"{SHARP} at initialization", None, None,
               f"{LOSS}; {NAN_DIV}"),
        scalar("steps_to_edge", "first measured step with sharpness within 10% of 2/η",
               -1, None, "steps; -1: never"),
        scalar("loss_increase_fraction", "fraction of steps whose training loss rose (the "
               "non-monotone descent of the edge of stability)", 0, 1, f"fraction; {NAN_DIV}"),
        scalar("final_loss", "training loss at the last finite step", 0, None,
               f"{LOSS}; {NAN_DIV}"),
        scalar("final_test_loss", "loss on the evaluation sample at the last measured step",
               0, None, f"{LOSS}; {NAN_DIV}"),
        scalar("final_train_error", "0-1 training error at the last measured step "
               "(classification)", 0, 1, f"0-1 error; {NAN_DIV}"),
        scalar("final_test_error", "0-1 error on the evaluation sample at the last measured "
               "step (classification)", 0, 1, f"0-1 error; {NAN_DIV}"),
        scalar("lr", "the member's step size η", 0, None, "step size"),
        scalar("loss", "the loss the sharpness is taken of", unit="text"),
        scalar("diverged_at_step", "step at which the member diverged", -1, None,
               "steps; -1: did not diverge"),
        scalar("group_hessian_products", "Hessian-vector products the group's Lanczos runs "
               "took", 0, None, "count"),
        scalar("group_size", "members trained together in this trial's ensemble", 1, None,
               "count"),
        scalar("num_parameters", "trainable parameters of one network", 0, None, "count"),
        series("sharpness_over_threshold", "sharpness divided by 2/η at the measured steps",
               0, None, "ratio to 2/η", headline=True),
        series("sharpness", f"{SHARP} at the measured steps", None, None, LOSS),
        series("stability_threshold", "2/η at the measured steps (a constant line)", 0, None,
               "1/step size"),
        series("train_loss", "training loss over training", 0, None, LOSS),
        series("test_loss", "loss on the evaluation sample at the measured steps", 0, None,
               LOSS),
        series("train_risk", "0-1 training error at the measured steps (classification)", 0,
               1, "0-1 error"),
        series("test_risk", "0-1 error on the evaluation sample at the measured steps "
               "(classification)", 0, 1, "0-1 error"),
        report_figures=(),
        headline_figure="curves_metrics",
    ),
)
