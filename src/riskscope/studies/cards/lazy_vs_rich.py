"""Card of the built-in study `lazy-vs-rich` (pure data: no torch)."""

from riskscope.studies.card import StudyCard, declaration, scalar
from riskscope.studies.cards.common import TRAINER_SERIES, train_test_loss

NAN_DIV = "NaN: diverged"

CARD = StudyCard(
    name="lazy-vs-rich",
    description=("Relative NTK drift and weight movement vs width in standard, NTK and "
                 "mean-field parameterization (lazy vs feature learning)."),
    target="riskscope.studies.builtin.lazy_vs_rich:LazyVsRichStudy",
    declaration=declaration(
        scalar("relative_ntk_drift", "‖Θ_T − Θ₀‖_F / ‖Θ₀‖_F of the empirical NTK on the probe "
               "points (≈ width^-1/2 in NTK parameterization, Lee et al. 2019)", 0, None,
               f"relative Frobenius norm; {NAN_DIV}", headline=True),
        scalar("relative_weight_change", "‖θ_T − θ₀‖ / ‖θ₀‖ over all parameters", 0, None,
               f"relative L2 norm; {NAN_DIV}", headline=True),
        scalar("ntk_correlation", "correlation ⟨Θ₀, Θ_T⟩_F / (‖Θ₀‖‖Θ_T‖) of the kernels "
               "before and after training", -1, 1, f"cosine; {NAN_DIV}"),
        scalar("lr_used", "the step actually used, η₀ · s(parameterization, width)", 0, None,
               "step size"),
        scalar("lr_scale", "s: 1 (ntk), 1/width (standard), width (mean-field)", 0, None,
               "factor"),
        scalar("num_parameters", "trainable parameters of one network", 0, None, "count"),
        *train_test_loss(unit="squared error summed over outputs"),
        *TRAINER_SERIES,
        report_figures=(),
        headline_figure="relative_ntk_drift",
    ),
)
