"""Neural collapse over training (Papyan, Han & Donoho 2020, Figs. 2–7), from the stored
series of the `neural-collapse` study, one row per configuration:

1. NC1 = Tr(Σ_W Σ_B^†)/C (within-class variability);
2. NC2: equinorm (std/mean of the centred class-mean norms, solid), distance of the cosines
   from −1/(C−1) (dashed) and their spread (dotted);
3. NC3: ‖W/‖W‖ − M/‖M‖‖² (self-duality of classifier and means);
4. NC4: share of training examples where the network and the nearest class centre disagree;
5. training (dashed) and test (solid) 0-1 error.
Both axes logarithmic, as in the paper (step 0 and zero values are not drawn). Mean over seeds,
band: range over seeds. The vertical dotted line is the mean over seeds of the stored
`terminal_start_step`, the first measured step from which the training error stays 0: the
terminal phase of training lies to its right. Four configurations per figure.
"""

from __future__ import annotations

import math

import numpy as np

from riskscope.report.aggregate import split_by
from riskscope.report.fig_results import FigureSpec
from riskscope.report.report_data import ReportData
from riskscope.report.series import draw_band, series_table
from riskscope.report.style import color, combo_label, new_figure

__all__ = ["collapse_figures"]

ROWS_PER_FIGURE = 4
PANELS = (
    ("NC1: Tr(Σ_W Σ_B⁺)/C", (("nc1", "NC1", "-"),)),
    ("NC2: toward a simplex ETF", (("nc2_equinorm", "equinorm", "-"),
                                   ("nc2_equiangular", "|cos + 1/(C−1)|", "--"),
                                   ("nc2_cosine_std", "std of cos", ":"))),
    ("NC3: ‖W/‖W‖ − M/‖M‖‖²", (("nc3", "NC3", "-"),)),
    ("NC4: mismatch with nearest centre", (("nc4", "NC4", "-"),)),
    ("0-1 error", (("train_risk", "train", "--"), ("test_risk", "test", "-"))),
)


def _terminal_start(part) -> float:
    column = "result.terminal_start_step"
    if column not in part.columns:
        return math.nan
    values = part[column].to_numpy(np.float64)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def _draw_row(axes, data: ReportData, hashes, start: float) -> None:
    for ax, (title, lines) in zip(axes, PANELS):
        for k, (name, label, style) in enumerate(lines):
            table = series_table(data.metrics, name, hashes)
            draw_band(ax, table.where(table > 0), color(k, 3), style, label)
        ax.set_xscale("log")
        ax.set_yscale("log", nonpositive="mask")
        ax.set_xlabel("step")
        ax.set_title(title, fontsize=9)
        if math.isfinite(start) and start > 0:
            ax.axvline(start, color="#000000", linestyle=":", linewidth=1.1)
        if len(lines) > 1 and ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize=7)


def collapse_figures(data: ReportData) -> list[FigureSpec]:
    names = set(data.metrics["name"].unique()) if not data.metrics.empty else set()
    if "nc1" not in names:
        return []
    configs = split_by(data.trials, data.varying)
    specs = []
    for first in range(0, len(configs), ROWS_PER_FIGURE):
        chunk = configs[first:first + ROWS_PER_FIGURE]
        fig, axes = new_figure(len(PANELS) * len(chunk), panel_size=(3.0, 2.5),
                               max_cols=len(PANELS))
        for r, (fixed, part) in enumerate(chunk):
            row = axes[len(PANELS) * r:len(PANELS) * (r + 1)]
            _draw_row(row, data, part["trial_hash"], _terminal_start(part))
            row[0].set_ylabel(combo_label(fixed) or "all trials", fontsize=8)
        suffix = f"_{first // ROWS_PER_FIGURE + 1}" if len(configs) > ROWS_PER_FIGURE else ""
        caption = ("Neural collapse on the training set over training, one row per "
                   "configuration (Papyan, Han & Donoho 2020): NC1 (within-class variability "
                   "relative to between-class), NC2 (equinorm, distance of the class-mean "
                   "cosines from −1/(C−1), their spread), NC3 (classifier vs class means), NC4 "
                   "(disagreement with the nearest class centre), and the 0-1 errors (train "
                   "dashed, test solid). Mean over seeds, band: range over seeds; dotted "
                   "vertical line: start of the terminal phase (training error 0 from there "
                   "on), mean over seeds.")
        specs.append(FigureSpec(f"neural_collapse{suffix}", "study",
                                "neural collapse over training", caption, fig))
    return specs
