"""Times to a threshold against the swept parameters: every stored result named `steps_to_*`
(grokking's `steps_to_fit` and `steps_to_generalize`, sparse parity's `steps_to_learn`), NaN
when a trial never reached its threshold within its step budget.

One figure per numeric swept parameter, one panel per such result, one line per value of the
other swept parameters. Mean over the seeds that reached the threshold (markers, with the
Student-t 95% interval of that mean as a band), reached trials as faint dots; trials that never
reached it are drawn as open triangles at their step budget (`training.steps`), which is a
lower bound on their time (right-censored), and counted in the caption. Axes are logarithmic
for geometric grids as in the result figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscope.report.aggregate import per_x, split_by
from riskscope.report.fig_results import FigureSpec, log_x, stem
from riskscope.report.report_data import ReportData
from riskscope.report.style import color, combo_label, label, new_figure

PREFIX = "steps_to_"
BUDGET = "training.steps"


def _numbers(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(np.float64)


def _is_number(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_)


def step_results(data: ReportData) -> list[str]:
    """The `steps_to_*` results whose stored values are numbers (NaN or missing: never
    reached)."""
    names = []
    for column in sorted(c for c in data.finished.columns if c.startswith(f"result.{PREFIX}")):
        values = data.finished[column].dropna()
        if all(_is_number(v) for v in values):
            names.append(column.removeprefix("result."))
    return names


def _budget(part) -> np.ndarray:
    if BUDGET in part.columns:
        return part[BUDGET].to_numpy(np.float64)
    return np.full(len(part), np.nan)


def _panel(ax, data, param: str, result: str) -> tuple[int, int]:
    """Draw one result; return (trials that never reached it, trials)."""
    lines = split_by(data.finished, data.others(param))
    censored, total, values = 0, 0, []
    for i, (fixed, part) in enumerate(lines):
        c = color(i, len(lines))
        x = part[param].to_numpy(np.float64)
        y = _numbers(part[f"result.{result}"])
        reached = np.isfinite(y)
        ax.plot(x[reached], y[reached], "o", color=c, alpha=0.3, markersize=3,
                markeredgewidth=0)
        budget = _budget(part)
        miss = ~reached & np.isfinite(budget)
        ax.plot(x[miss], budget[miss], "^", markerfacecolor="none", color=c, markersize=6,
                label="never reached (at the step budget)" if miss.any() and not censored
                else None)
        censored += int((~reached).sum())
        total += len(part)
        values += [*y[reached], *budget[miss]]
        stats = per_x(x, y)
        if stats.empty:
            continue
        ax.plot(stats["x"], stats["mean"], "-o", color=c, markersize=4,
                label=combo_label(fixed) or None)
        band = stats.dropna(subset=["ci_low", "ci_high"])
        if len(band):
            ax.fill_between(band["x"], band["ci_low"], band["ci_high"], color=c, alpha=0.15,
                            linewidth=0)
    budgets = np.unique(_budget(data.finished)[np.isfinite(_budget(data.finished))])
    for b in budgets:
        ax.axhline(b, color="#777777", linestyle=":", linewidth=1.0)
    x_all = data.finished[param].to_numpy(np.float64)
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    if log_x(x_all):
        ax.set_xscale("log")
        if v.size and v.min() > 0 and v.max() / v.min() >= 4:
            ax.set_yscale("log")
    if v.size:  # limits from the trials: a 2-seed interval must not flatten them
        if ax.get_yscale() == "log":
            ax.set_ylim(v.min() / 1.6, v.max() * 1.6)
        else:
            ax.set_ylim(0, v.max() * 1.12)
    ax.set_xlabel(label(param))
    ax.set_ylabel(label(result))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    return censored, total


def steps_to_figures(data: ReportData) -> list[FigureSpec]:
    results = step_results(data)
    if not results or not len(data.finished):
        return []
    specs = []
    for param in data.numeric:
        fig, axes = new_figure(len(results), panel_size=(4.6, 3.5))
        counts = []
        for ax, result in zip(axes, results):
            censored, total = _panel(ax, data, param, result)
            counts.append(f"{result}: {total - censored} of {total} trials reached it")
        others = data.others(param)
        caption = (f"Steps to threshold against {param}: mean over the seeds that reached the "
                   "threshold (markers; band: its 95% CI), trials as dots; open triangles: "
                   "trials that never reached it, drawn at their step budget (grey dotted; a "
                   "lower bound on their time)"
                   + (f"; one line per {', '.join(others)}" if others else "") + ". "
                   + "; ".join(counts) + ".")
        specs.append(FigureSpec(stem("steps_to_threshold", "vs", param), "study",
                                f"steps to threshold vs {param}", caption, fig))
    return specs
