"""Grokking's progress measures over training, one row per configuration (Power et al. 2022;
Nanda et al. 2023; Gromov 2023), from the stored series of the `grokking` study:

1. accuracy: train (dashed) and test (solid), 1 − the stored 0-1 risks;
2. losses: train and test cross-entropy, and the restricted (all pairs) and excluded (training
   pairs) losses when stored (log scale);
3. weight norm ‖θ‖₂;
4. Fourier concentration of the operand embedding (whole matrix, solid) and per neuron
   (dashed).
Mean over seeds, band: range over seeds; the step axis is logarithmic (step 0 not drawn).
Vertical lines: the mean over seeds of the stored `steps_to_fit` (grey dashed) and
`steps_to_generalize` (black dotted) when reached. Four configurations per figure.
"""

from __future__ import annotations

import math

import numpy as np

from riskscope.report.aggregate import split_by
from riskscope.report.fig_results import FigureSpec
from riskscope.report.report_data import ReportData
from riskscope.report.series import draw_band, finite_values, series_table
from riskscope.report.style import color, combo_label, new_figure

ROWS_PER_FIGURE = 4
MEASURES = ("fourier_concentration", "neuron_fourier_concentration", "restricted_loss",
            "excluded_loss")
_LOSSES = (("train_loss", "train", "--", 0), ("test_loss", "test", "-", 1),
           ("restricted_loss", "restricted", "-.", 2), ("excluded_loss", "excluded", ":", 3))


def _accuracy(ax, data, hashes) -> None:
    for name, text, style, i in (("train_risk", "train", "--", 0), ("test_risk", "test", "-", 1)):
        draw_band(ax, 1 - series_table(data.metrics, name, hashes), color(i, 4), style, text)
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("accuracy")


def _losses(ax, data, hashes) -> None:
    tables = []
    for name, text, style, i in _LOSSES:
        table = series_table(data.metrics, name, hashes)
        tables.append(table)
        draw_band(ax, table, color(i, 4), style, text)
    values = finite_values(tables)
    if values.size and values.min() > 0:
        ax.set_yscale("log")
    ax.set_ylabel("cross-entropy")


def _norm(ax, data, hashes) -> None:
    draw_band(ax, series_table(data.metrics, "weight_norm", hashes), color(2, 4), "-",
              "‖θ‖₂")
    ax.set_ylabel("weight norm ‖θ‖₂")


def _fourier(ax, data, hashes) -> None:
    draw_band(ax, series_table(data.metrics, "fourier_concentration", hashes), color(3, 4),
              "-", "embedding")
    draw_band(ax, series_table(data.metrics, "neuron_fourier_concentration", hashes),
              color(0, 4), "--", "per neuron")
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("Fourier concentration")


def _mean_step(part, name: str) -> float:
    column = f"result.{name}"
    if column not in part.columns:
        return math.nan
    values = part[column].to_numpy(np.float64)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def progress_figures(data: ReportData) -> list[FigureSpec]:
    names = set(data.metrics["name"].unique()) if not data.metrics.empty else set()
    if not names & set(MEASURES) or not {"train_risk", "test_risk"} <= names:
        return []
    configs = split_by(data.trials, data.varying)
    specs = []
    for start in range(0, len(configs), ROWS_PER_FIGURE):
        chunk = configs[start:start + ROWS_PER_FIGURE]
        fig, axes = new_figure(4 * len(chunk), panel_size=(3.4, 2.6), max_cols=4)
        for r, (fixed, part) in enumerate(chunk):
            hashes = part["trial_hash"]
            row = axes[4 * r:4 * r + 4]
            for ax, draw in zip(row, (_accuracy, _losses, _norm, _fourier)):
                draw(ax, data, hashes)
                ax.set_xscale("log")
                ax.set_xlabel("step")
                for name, style, shade in (("steps_to_fit", "--", "#888888"),
                                           ("steps_to_generalize", ":", "#000000")):
                    step = _mean_step(part, name)
                    if math.isfinite(step) and step > 0:
                        ax.axvline(step, color=shade, linestyle=style, linewidth=1.1)
            row[0].set_title(combo_label(fixed) or "all trials", loc="left")
        for ax in axes[:4]:
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="best", fontsize=7.5)
        part_no = f"_{start // ROWS_PER_FIGURE + 1}" if len(configs) > ROWS_PER_FIGURE else ""
        caption = ("Progress measures over training, one row per configuration: accuracy "
                   "(train dashed, test solid), losses (train, test, restricted on all pairs, "
                   "excluded on the training pairs), weight norm, Fourier concentration of the "
                   "operand embedding (whole matrix and per neuron). Mean over seeds, band: "
                   "range over seeds; vertical lines: mean step at which train (grey dashed) "
                   "and test (black dotted) accuracy reach the threshold.")
        specs.append(FigureSpec(f"progress_measures{part_no}", "study",
                                "progress measures over training", caption, fig))
    return specs
