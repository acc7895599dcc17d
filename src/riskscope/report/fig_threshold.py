"""Double descent against model size (or sample size): test and training risk over a sweep
with the interpolation threshold marked (Belkin et al. 2019; Nakkiran et al. 2019).

Drawn for every numeric swept parameter along which the stored `parameters_per_threshold`
varies (width model-wise, n sample-wise), one panel per value of the other swept parameters:
test risk (solid; `test_risk`, else `population_risk`), test risk at its best logged step
(dotted, epoch-wise early stopping, when stored as `test_risk_min`) and training risk (dashed;
on the noisy labels when the study adds label noise), each the mean over seeds with its
Student-t 95% interval (band), trials as faint dots. Vertical lines: the nominal threshold
(parameters = n·C) and the point where the training risk reaches 0 (`interpolation`). A star
marks the largest mean test risk; the caption gives its location against both thresholds.
"""

from __future__ import annotations

import numpy as np

from riskscope.report.aggregate import per_x, split_by
from riskscope.report.fig_results import FigureSpec, log_x, stem
from riskscope.report.interpolation import describe, mark_thresholds, thresholds
from riskscope.report.report_data import ReportData
from riskscope.report.style import color, combo_label, label, new_figure, short

MAX_PANELS = 6
RATIO = "parameters_per_threshold"


def test_column(data: ReportData) -> str | None:
    """The stored test risk: `test_risk`, else `population_risk` (None when neither)."""
    for name in ("test_risk", "population_risk"):
        if f"result.{name}" in data.finished.columns:
            return name
    return None


def varies_along(data: ReportData, param: str, result: str) -> bool:
    """True when `result` takes more than one value along `param` in some panel."""
    column = f"result.{result}"
    if column not in data.finished.columns:
        return False
    return any(part.groupby(param)[column].mean().nunique() > 1
               for _, part in split_by(data.finished, data.others(param)))


def draw_mean_band(ax, x, y, c, style: str, name: str, dots: bool = False) -> None:
    """Mean over seeds per x with its 95% interval as a band (and the trials as dots)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if dots:
        ok = np.isfinite(x) & np.isfinite(y)
        ax.plot(x[ok], y[ok], "o", color=c, alpha=0.3, markersize=3, markeredgewidth=0)
    stats = per_x(x, y)
    if stats.empty:
        return
    ax.plot(stats["x"], stats["mean"], style, color=c, label=name, marker="o", markersize=3.5)
    band = stats.dropna(subset=["ci_low", "ci_high"])
    if len(band):
        ax.fill_between(band["x"], band["ci_low"], band["ci_high"], color=c, alpha=0.15,
                        linewidth=0)


def _scales(ax, x, test) -> None:
    if log_x(x):
        ax.set_xscale("log")
    test = np.asarray(test, np.float64)
    test = test[np.isfinite(test)]
    if test.size and test.min() > 0 and test.max() / test.min() >= 10:
        ax.set_yscale("log")  # a min-norm peak: training risk ≈ 0 falls below the axis
        ax.set_ylim(test.min() / 3, test.max() * 1.6)


def _panel(ax, part, param: str, test: str) -> str:
    x = part[param].to_numpy(np.float64)
    y_test = part[f"result.{test}"].to_numpy(np.float64)
    draw_mean_band(ax, x, y_test, color(0, 3), "-", f"test ({test})", dots=True)
    if "result.test_risk_min" in part.columns and test == "test_risk":
        draw_mean_band(ax, x, part["result.test_risk_min"], color(2, 3), ":",
                       "test, best logged step")
    train = part["result.train_risk"].to_numpy(np.float64)
    draw_mean_band(ax, x, train, color(1, 3), "--", "train (train_risk)")
    found = thresholds(x, part[f"result.{RATIO}"], train)
    mark_thresholds(ax, found)
    stats = per_x(x, y_test)
    text = describe(found, short(param))
    if len(stats):
        peak = stats.loc[stats["mean"].idxmax()]
        ratio = per_x(x, part[f"result.{RATIO}"]).set_index("x")["mean"].get(peak["x"])
        ax.plot(peak["x"], peak["mean"], "*", color="#000000", markersize=11,
                label="test peak (largest mean)")
        where = f" = {ratio:.2g} × n·C" if ratio is not None else ""
        text = (f"Test risk peaks at {short(param)} = {peak['x']:g} (parameters{where}; "
                f"{peak['mean']:.3g}); {text}")
    _scales(ax, x, y_test)
    ax.set_xlabel(label(param))
    ax.set_ylabel("risk")
    return text


def threshold_figures(data: ReportData) -> list[FigureSpec]:
    test = test_column(data)
    columns = data.finished.columns
    if test is None or "result.train_risk" not in columns or f"result.{RATIO}" not in columns:
        return []
    specs = []
    for param in data.numeric:
        if not varies_along(data, param, RATIO):
            continue
        panels = split_by(data.finished, data.others(param))[:MAX_PANELS]
        fig, axes = new_figure(len(panels), panel_size=(4.8, 3.6))
        notes = []
        for ax, (fixed, part) in zip(axes, panels):
            ax.set_title(combo_label(fixed))
            note = _panel(ax, part, param, test)
            notes.append(f"{combo_label(fixed)}: {note}" if fixed else note)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center",
                   ncols=2 if len(panels) == 1 else 3)
        caption = (f"Double descent along {param}: test risk ({test}, solid) and training risk "
                   "(dashed), mean over seeds with the 95% CI of the mean (band), trials as "
                   "dots; dotted: test risk at its best logged step (epoch-wise early "
                   "stopping). Black dashed line: nominal interpolation threshold, parameters "
                   "= n·C; grey dotted: where the training risk reaches 0. "
                   + ". ".join(notes) + ".")
        specs.append(FigureSpec(stem("threshold", "vs", param), "study",
                                f"test and training risk vs {param}, interpolation threshold",
                                caption, fig))
    return specs
