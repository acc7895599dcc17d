"""Card of the built-in study `convergence` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar, series

LOSS = "squared error summed over outputs, mean over examples (no ½)"
RATE = "per-step contraction factor of the residual norm ‖r‖"
NAN = "NaN: not defined for this network or diverged"
KERNEL = "eigenvalue of the n×n NTK Gram matrix on the training inputs"

CARD = StudyCard(
    name="convergence",
    description=("Linear convergence of full-batch GD on the squared loss: rate predicted "
                 "from λ_min of the NTK (Du et al. 2019) vs observed, vs width."),
    target="riskscope.studies.builtin.convergence:ConvergenceStudy",
    declaration=declaration(
        scalar("rate_ratio", "(1 − observed rate)/(1 − predicted rate): 1 when GD converges "
               "as fast as λ_min(Θ₀) predicts", None, None, f"ratio; {NAN}", headline=True),
        scalar("rate_ratio_linearized", "(1 − observed)/(1 − rate of the model linearized at "
               "init over the same window)", None, None, f"ratio; {NAN}", headline=True),
        scalar("observed_rate", f"{RATE} fitted to log ‖r_k‖ over the fit window", None, None,
               f"factor per step; {NAN}", headline=True),
        scalar("predicted_rate", f"1 − (2η/n) λ_min(Θ₀): the {RATE} the NTK at init predicts",
               None, None, "factor per step", headline=True),
        scalar("predicted_rate_infinite", "the predicted rate with the analytic Θ^∞", None,
               None, f"factor per step; {NAN}"),
        scalar("predicted_rate_final", "the predicted rate with Θ_T after training", None,
               None, "factor per step"),
        scalar("predicted_rate_linearized", "rate of the linearized model over the fit window",
               None, None, f"factor per step; {NAN}"),
        scalar("du_bound_rate", "√(1 − η λ₀'/n): Du et al.'s guaranteed rate for this network "
               "(depth-1 ReLU only)", 0, 1, f"factor per step; {NAN}"),
        scalar("observed_fit_r2", "R² of the log-residual fit", None, 1, f"R²; {NAN}"),
        scalar("observed_window_*", "first and last step of the fit window", 0, None,
               f"steps; {NAN}"),
        scalar("lambda_min_ntk_init", f"smallest {KERNEL} at init", None, None, "kernel units"),
        scalar("lambda_max_ntk_init", f"largest {KERNEL} at init", None, None, "kernel units"),
        scalar("lambda_min_ntk_final", f"smallest {KERNEL} after training", None, None,
               "kernel units"),
        scalar("lambda_min_ntk_infinite", "smallest eigenvalue of the analytic infinite-width "
               "NTK Θ^∞", None, None, f"kernel units; {NAN}"),
        scalar("lambda_0_du", "λ_min(H^∞) of Du et al. (their unscaled network)", None, None,
               f"kernel units; {NAN}"),
        scalar("stability_margin", "η λ_max(Θ₀)/n (GD on the linearized model is stable "
               "below 1)", 0, None, "ratio"),
        scalar("pl_ratio_min", "smallest PL ratio ‖∇L‖²/(2L) along the run", 0, None,
               f"ratio; {NAN}"),
        scalar("pl_ratio_median", "median PL ratio along the run", 0, None, f"ratio; {NAN}"),
        scalar("pl_lower_bound", "2λ_min(Θ₀)/n: the PL ratio's linear-regime lower bound",
               None, None, "ratio"),
        scalar("final_loss", "training loss at the last step", 0, None, f"{LOSS}; {NAN}"),
        scalar("relative_ntk_drift", "‖Θ_T − Θ₀‖_F / ‖Θ₀‖_F", 0, None, "relative norm"),
        scalar("test_risk_network", "test risk of the trained network on unit-sphere points",
               0, None, LOSS),
        scalar("test_risk_ntk_init", "test risk of the network linearized at init, trained to "
               "convergence (kernel regression with Θ₀)", 0, None, LOSS),
        scalar("test_risk_ntk_infinite", "test risk of kernel regression with Θ^∞ (NTK-GP "
               "mean)", 0, None, LOSS),
        scalar("lr", "the step size η", 0, None, "step size"),
        scalar("num_parameters", "trainable parameters of one network", 0, None, "count"),
        series("residual_norm", "‖r_k‖ = ‖f(X) − y‖ along training", 0, None, "L2 norm"),
        series("train_loss", "training loss along training", 0, None, LOSS),
        series("pl_ratio", "‖∇L‖²/(2L) along training", 0, None, "ratio"),
        series("test_loss", "loss on the held-out unit-sphere points along training", 0, None,
               LOSS),
        report_figures=(),
        headline_figure="rate_ratio",
    ),
)
