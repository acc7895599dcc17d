"""The study's own metric series over training (sharpness, NTK drift, progress measures...):
one panel per series, one line per configuration, mean over seeds with the range band.

Left out: the train/test loss and risk (drawn in `fig_curves`) and the trainer's standard
diagnostics that every study records (learning rate, gradient and weight norms, distance from
initialization). At most `MAX_PANELS` series are drawn: the declared headline series first,
then the others in alphabetical order; the caption names the ones left out.
"""

from __future__ import annotations

import numpy as np

from riskscope.report.aggregate import split_by
from riskscope.report.fig_results import FigureSpec
from riskscope.report.report_data import ReportData
from riskscope.report.series import draw_band, series_table
from riskscope.report.style import color, combo_label, label, new_figure

MAX_PANELS = 6
STANDARD = {"train_loss", "test_loss", "train_risk", "test_risk", "lr", "grad_norm",
            "weight_norm", "distance_from_init"}


def other_metrics_figure(data: ReportData) -> FigureSpec | None:
    names = sorted(set(data.metrics["name"].unique()) - STANDARD)
    heads = [r.name for r in data.declaration.headline() if r.kind == "series"]
    names = [n for n in heads if n in names] + [n for n in names if n not in heads]
    if not names:
        return None
    shown, rest = names[:MAX_PANELS], names[MAX_PANELS:]
    configs = split_by(data.trials, data.varying)
    fig, axes = new_figure(len(shown), panel_size=(4.0, 3.0))
    for ax, name in zip(axes, shown):
        values = []
        for i, (fixed, part) in enumerate(configs):
            wide = series_table(data.metrics, name, part["trial_hash"])
            if wide.empty:
                continue
            values.append(wide.to_numpy().ravel())
            draw_band(ax, wide, color(i, len(configs)), "-", combo_label(fixed) or None)
        flat = np.concatenate(values) if values else np.array([])
        flat = flat[np.isfinite(flat)]
        ax.set_xscale("log")
        if flat.size and flat.min() > 0 and flat.max() / flat.min() >= 10:
            ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel(label(name))
    if len(configs) > 1:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(configs), 4))
    caption = (f"The study's own metric series ({', '.join(shown)}) against the step, mean "
               "over seeds per configuration; band: range over seeds; step 0 is not drawn.")
    if rest:
        caption += f" Not drawn: {', '.join(rest)} (in the store's metric series)."
    return FigureSpec("curves_metrics", "curves", "study metrics over training", caption, fig)
