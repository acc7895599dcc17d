"""Study-specific figures: a study names the ones its report shows in its declaration
(`ResultDeclaration.report_figures`, plain names, stored with the run, so the report reads them
from the store and never imports the study registry); each builder reads the stored results
and series only and returns no figure when what it needs was not stored (e.g. the
random-features regime of `double-descent` stores no training curves).

    interpolation_threshold  test and training risk vs model (or sample) size with the
                             nominal (parameters = n·C) and empirical thresholds (fig_threshold)
    measured_vs_predicted    a measured result beside its stored prediction (fig_predicted)
    epoch_wise               test and training risk over training per model size (fig_epochwise)
    bias_variance            bias² and variance over seeds vs the swept parameters
    progress_measures        grokking's accuracy, losses, weight norm, Fourier concentration
    steps_to_threshold       `steps_to_*` results vs the swept parameters, censored trials shown
    weight_spectra           ESD with fitted tails, α over training, α vs test error
    neural_collapse          NC1–NC4 and the 0-1 errors over training, terminal phase marked

A run stored before declarations gets every builder whose specific results are stored
(`FALLBACK`: all but `epoch_wise`, which needs only the generic train/test risk series).
"""

from __future__ import annotations

from collections.abc import Callable

from riskscope.report.fig_bias_variance import bias_variance_figures
from riskscope.report.fig_collapse import collapse_figures
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
    "neural_collapse": collapse_figures,
}


FALLBACK = tuple(n for n in BUILDERS if n != "epoch_wise")


def declared_figures(data: ReportData) -> tuple[str, ...]:
    """The figure names the run's stored declaration names (`FALLBACK` for an older run)."""
    if data.declaration.results or data.declaration.report_figures:
        return tuple(data.declaration.report_figures)
    return FALLBACK


def named_study_figures(data: ReportData) -> list[tuple[str, list[FigureSpec]]]:
    """(figure name, its figures) for the declared figures, in the declared order; names
    this riskscope does not know are skipped (a newer study's run still gets a report)."""
    return [(name, BUILDERS[name](data)) for name in declared_figures(data) if name in BUILDERS]


def study_figures(data: ReportData) -> list[FigureSpec]:
    """The declared figures of the run's study, in the declared order."""
    return [spec for _, specs in named_study_figures(data) for spec in specs]
