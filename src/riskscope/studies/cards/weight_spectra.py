"""Card of the built-in study `weight-spectra` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar, series
from riskscope.studies.cards.common import TRAINER_SERIES

ERR = "0-1 error"
EIG = "eigenvalue of WᵀW/N"
NO_FIT = "NaN: too few eigenvalues for a tail fit (options.min_eigenvalues)"

CARD = StudyCard(
    name="weight-spectra",
    description=("Heavy-tailed weight spectra (Martin & Mahoney): per-layer ESD tail α, "
                 "weighted α̂, stable rank and MP spikes over training and vs test error."),
    target="riskscope.studies.builtin.weight_spectra:WeightSpectraStudy",
    declaration=declaration(
        scalar("test_error", "0-1 error on the evaluation set", 0, 1, ERR, headline=True),
        scalar("mean_alpha", "power-law exponent α of the ESD tail, averaged over the layers "
               "with a fit (also a series over training)", 1, None,
               "ρ(λ) ∝ λ^−α above x_min (Clauset–Shalizi–Newman KS choice); " + NO_FIT,
               headline=True),
        scalar("mean_alpha_weighted", "α·log10 λ_max averaged over fitted layers (also a "
               "series)", None, None, "Martin & Mahoney 2021's α̂ (λ of WᵀW/N); " + NO_FIT,
               headline=True),
        scalar("mean_stable_rank", "‖W‖_F²/‖W‖₂² averaged over layers (also a series)", 1,
               None, "ratio", headline=True),
        scalar("num_spikes", "eigenvalues above the Marchenko–Pastur bulk edge, all layers", 0,
               None, "count", headline=True),
        scalar("train_error", "0-1 error on the training set", 0, 1, ERR),
        scalar("generalization_gap", "test error − training error", -1, 1, ERR),
        scalar("alpha_layer*", "tail exponent α of layer k (also a series)", 1, None,
               "ρ(λ) ∝ λ^−α; " + NO_FIT),
        scalar("alpha_weighted_layer*", "α·log10 λ_max of layer k", None, None,
               "α̂; " + NO_FIT),
        scalar("ks_distance_layer*", "Kolmogorov–Smirnov distance of layer k's tail fit", 0, 1,
               "sup |F_emp − F_fit|; " + NO_FIT),
        scalar("x_min_layer*", "start of layer k's fitted tail", 0, None, EIG + "; " + NO_FIT),
        scalar("n_tail_layer*", "eigenvalues in layer k's fitted tail", 0, None, "count"),
        scalar("mp_edge_layer*", "Marchenko–Pastur bulk edge σ²(1+√(M/N))² of a random matrix "
               "shaped like layer k", 0, None, EIG),
        scalar("num_spikes_layer*", "eigenvalues of layer k above its MP edge", 0, None,
               "count"),
        scalar("stable_rank_layer*", "stable rank of layer k", 1, None, "ratio"),
        scalar("num_layers", "weight layers measured", 1, None, "count"),
        scalar("num_parameters", "trainable parameters", 1, None, "count"),
        scalar("train_loss", "final training loss (also a series)", 0, None, "cross-entropy"),
        scalar("stop_step", "step at which training stopped", 0, None, "steps"),
        series("test_loss", "held-out loss over training", 0, None, "cross-entropy"),
        series("train_risk", "training 0-1 error over training", 0, 1, ERR),
        series("test_risk", "held-out 0-1 error over training", 0, 1, ERR),
        *TRAINER_SERIES,
        report_figures=("weight_spectra",),
        headline_figure="weight_spectra",
    ),
)
