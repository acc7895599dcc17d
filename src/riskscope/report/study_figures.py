"""Study-specific figures: a study names the ones its report shows in `Study.report_figures`
(a class attribute, plain names, so studies need not import the report); each builder reads the
stored results and series only and returns no figure when what it needs was not stored (e.g.
the random-features regime of `double-descent` stores no training curves).

    interpolation_threshold  test and training risk vs model (or sample) size with the
                             nominal (parameters = n·C) and empirical thresholds (fig_threshold)
    measured_vs_predicted    a measured result beside its stored prediction (fig_predicted)
    epoch_wise               test and training risk over training per model size (fig_epochwise)
    bias_variance            bias² and variance over seeds vs the swept parameters
    progress_measures        grokking's accuracy, losses, weight norm, Fourier concentration
    steps_to_threshold       `steps_to_*` results vs the swept parameters, censored trials shown
    weight_spectra           ESD with fitted tails, α over training, α vs test error

A run of a study that is not registered (a user's own) gets none of them.
"""

from __future__ import annotations

from collections.abc import Callable

from riskscope.core.errors import SpecError
from riskscope.report.fig_bias_variance import bias_variance_figures
from riskscope.report.fig_epochwise import epochwise_figures
from riskscope.report.fig_predicted import predicted_figures
from riskscope.report.fig_progress import progress_figures
from riskscope.report.fig_results import FigureSpec
from riskscope.report.fig_spectra import spectra_figures
from riskscope.report.fig_steps_to import steps_to_figures
from riskscope.report.fig_threshold import threshold_figures
from riskscope.report.report_data import ReportData

Builder = Callable[[ReportData], list[FigureSpec]]

BUILDERS: dict[str, Builder] = {
    "interpolation_threshold": threshold_figures,
    "measured_vs_predicted": predicted_figures,
    "epoch_wise": epochwise_figures,
    "bias_variance": bias_variance_figures,
    "progress_measures": progress_figures,
    "steps_to_threshold": steps_to_figures,
    "weight_spectra": spectra_figures,
}


def declared_figures(study: str) -> tuple[str, ...]:
    """The figure names the registered study `study` declares (() for an unknown study)."""
    from riskscope.studies.registry import get_study

    try:
        cls = type(get_study(study))
    except SpecError:
        return ()
    return tuple(cls.report_figures)


def study_figures(data: ReportData) -> list[FigureSpec]:
    """The declared figures of the run's study, in the declared order."""
    names = declared_figures(str(data.run.get("study")))
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        raise ValueError(f"study {data.run.get('study')!r} declares unknown report figures "
                         f"{unknown}; known: {', '.join(BUILDERS)}")
    return [spec for name in names for spec in BUILDERS[name](data)]
