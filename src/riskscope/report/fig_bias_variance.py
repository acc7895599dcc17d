"""Bias² and variance over seeds against a swept parameter (Neal et al. 2018; Yang et al. 2020;
Adlam & Pennington 2020): the stored `bias2`, `variance` and, when stored, their sum
`mse_risk`, per configuration (they are statistics over a configuration's seeds, stored on each
of its trials, so there is one value per point and no band). Drawn against each numeric swept
parameter with 3 grid values or more, one panel per value of the other swept parameters; the
interpolation thresholds are marked when the study stores `parameters_per_threshold`. In
double descent the variance peaks near the threshold.
"""

from __future__ import annotations

import numpy as np

from riskscope.report.aggregate import per_x, split_by
from riskscope.report.fig_results import FigureSpec, log_x, stem
from riskscope.report.fig_threshold import RATIO
from riskscope.report.interpolation import describe, mark_thresholds, thresholds
from riskscope.report.report_data import ReportData
from riskscope.report.style import PALETTE, color, combo_label, label, new_figure, short

MAX_PANELS = 6
MIN_POINTS = 3  # a parameter with fewer grid values gets no bias/variance curve
PARTS = (("bias2", "bias²", "--"), ("variance", "variance", ":"), ("mse_risk", "sum", "-"))


def bias_variance_figures(data: ReportData) -> list[FigureSpec]:
    cols = set(data.finished.columns)
    if not {"result.bias2", "result.variance"} <= cols:
        return []
    specs = []
    for param in data.numeric:
        if data.finished[param].nunique() < MIN_POINTS:
            continue
        panels = split_by(data.finished, data.others(param))[:MAX_PANELS]
        fig, axes = new_figure(len(panels), panel_size=(4.6, 3.4))
        notes, values = [], []
        for ax, (fixed, part) in zip(axes, panels):
            x = part[param].to_numpy(np.float64)
            peak_note = ""
            for i, (name, text, style) in enumerate(PARTS):
                if f"result.{name}" not in cols:
                    continue
                stats = per_x(x, part[f"result.{name}"])
                c = PALETTE[-1] if name == "mse_risk" else color(i, 3)
                ax.plot(stats["x"], stats["mean"], style, marker="o", markersize=3.5,
                        color=c, label=text)
                values += stats["mean"].tolist()
                if name == "variance" and len(stats):
                    top = stats.loc[stats["mean"].idxmax()]
                    peak_note = f"variance largest at {short(param)} = {top['x']:g}"
            if {f"result.{RATIO}", "result.train_risk"} <= cols:
                found = thresholds(x, part[f"result.{RATIO}"], part["result.train_risk"])
                mark_thresholds(ax, found)
                peak_note += f" ({describe(found, short(param))})"
            notes.append(f"{combo_label(fixed)}: {peak_note}" if fixed else peak_note)
            if log_x(x):
                ax.set_xscale("log")
            ax.set_xlabel(label(param))
            ax.set_ylabel("squared error over seeds")
            ax.set_title(combo_label(fixed))
        v = np.asarray(values, np.float64)
        v = v[np.isfinite(v)]
        if v.size and v.min() > 0 and v.max() / v.min() >= 30:
            for ax in axes:
                ax.set_yscale("log")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center",
                   ncols=min(len(labels), 2 if len(panels) == 1 else 5))
        caption = (f"Bias² (dashed) and variance (dotted) over seeds against {param}, and "
                   "their sum (solid; the squared error of the predictions — softmax "
                   "probabilities against one-hot labels for classification), one value per "
                   "configuration. " + ". ".join(n for n in notes if n) + ".")
        specs.append(FigureSpec(stem("bias_variance", "vs", param), "study",
                                f"bias² and variance vs {param}", caption, fig))
    return specs
