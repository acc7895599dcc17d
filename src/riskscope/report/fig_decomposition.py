"""Figures of the integrated error analysis: the excess risk split into its four parts.

    R(f̂) − R* = approximation + optimization + generalization gap + remainder   (DESIGN.md §1)

Stacked figure: at each x, the mean over seeds of each component is a bar segment; positive
parts stack upward from zero and negative parts (a gap or remainder can be negative) downward,
so the signed segments add up to the bar's net height. The measured excess risk is drawn over
the bars as black markers with its 95% CI over seeds; when the components add up it sits at
the net height. Scaling figure: the positive components and the excess risk on log–log axes
with their power-law fits.
"""

from __future__ import annotations

import numpy as np

from riskscope.report.aggregate import mean_ci, split_by
from riskscope.report.fig_results import FigureSpec, Series, draw_scaling, log_x, stem
from riskscope.report.fits import ExponentFits
from riskscope.report.report_data import COMPONENTS, ReportData
from riskscope.report.style import combo_label, label, new_figure

COLORS = {"approximation_error": "#0072B2", "optimization_error": "#E69F00",
          "generalization_gap": "#009E73", "remainder": "#CC79A7"}
NAMES = {c: c.replace("_", " ") for c in COMPONENTS}
_PRIORITY = ("data.n_train", "model.width")


def _params(data: ReportData) -> list[str]:
    return sorted(data.numeric, key=lambda p: (_PRIORITY.index(p) if p in _PRIORITY else 9, p))


def _bar_edges(x: np.ndarray, xlog: bool) -> tuple[np.ndarray, np.ndarray]:
    """Left edges and widths: bars 60% as wide as the gap to the nearest neighbour."""
    t = np.log(x) if xlog else x.astype(np.float64)
    gaps = np.diff(t)
    near = np.minimum(np.r_[gaps, np.inf], np.r_[np.inf, gaps]) if t.size > 1 else np.ones(1)
    half = 0.3 * near
    if not xlog and t.size == 1:
        half = np.array([0.3 * max(abs(t[0]), 1.0)])
    lo, hi = t - half, t + half
    if xlog:
        lo, hi = np.exp(lo), np.exp(hi)
    return lo, hi - lo


def _panel(ax, part, positions, xlog: bool) -> float:
    """Draw stacked means at `positions` and the measured excess risk; the largest
    |Σ components − excess risk| of the means."""
    left, width = _bar_edges(np.asarray(positions, dtype=np.float64), xlog)
    up = np.zeros(len(positions))
    down = np.zeros(len(positions))
    sums = np.zeros(len(positions))
    for comp in COMPONENTS:
        means = np.array([mean_ci(p[f"result.{comp}"])[0] for p in part])
        means = np.nan_to_num(means)
        sums += means
        base = np.where(means >= 0, up, down)
        ax.bar(left, means, width=width, bottom=base, align="edge", color=COLORS[comp],
               label=NAMES[comp], edgecolor="white", linewidth=0.5)
        up += np.clip(means, 0, None)
        down += np.clip(means, None, 0)
    stats = np.array([mean_ci(p["result.excess_risk"])[:3] for p in part])
    err = np.abs(stats[:, [1, 2]].T - stats[:, 0])
    ax.errorbar(positions, stats[:, 0], yerr=np.nan_to_num(err), fmt="-o", color="black",
                capsize=3, label="measured excess risk (95% CI)", zorder=5)
    ax.axhline(0, color="#555555", linewidth=0.8)
    finite = np.isfinite(stats[:, 0])
    return float(np.max(np.abs(sums - stats[:, 0])[finite])) if finite.any() else float("nan")


def _legend(fig, ax) -> None:
    """One legend for all panels, below them."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3)


def _caption(kind: str, residual: float, n_div: int) -> str:
    text = (f"Excess risk decomposition {kind}: mean over seeds of each component (stacked; "
            "negative parts below zero); black: the measured excess risk with its 95% CI.")
    if np.isfinite(residual):
        text += f" Largest |sum of component means − mean excess risk|: {residual:.3g}."
    if n_div:
        text += f" {n_div} diverged trials are left out."
    return text


def decomposition_figures(data: ReportData, fits: ExponentFits) -> list[FigureSpec]:
    if not data.has_decomposition or not len(data.finished):
        return []
    done = data.finished[data.finished["status"] == "done"]
    n_div = len(data.finished) - len(done)
    specs = []
    for param in _params(data):
        panels = split_by(done, data.others(param))
        fig, axes = new_figure(len(panels), panel_size=(4.6, 3.5))
        worst = float("nan")
        for ax, (fixed, part) in zip(axes, panels):
            xs = np.unique(part[param].to_numpy(np.float64))
            xlog = log_x(xs)
            if xlog:
                ax.set_xscale("log")
            worst = np.nanmax([worst, _panel(ax, [part[part[param] == x] for x in xs], xs,
                                             xlog)])
            ax.set_xlabel(label(param))
            ax.set_ylabel("contribution to excess risk")
            ax.set_title(combo_label(fixed))
        _legend(fig, axes[0])
        specs.append(FigureSpec(stem("decomposition", "vs", param), "decomposition",
                                f"decomposition vs {param}", _caption(f"against {param}",
                                                                       worst, n_div), fig))
        specs.append(_scaling(data, fits, done, param))
    if not data.numeric:
        panels = split_by(done, data.varying)
        fig, (ax,) = new_figure(1, panel_size=(max(3.5, 1.4 * len(panels) + 2), 3.6))
        worst = _panel(ax, [p for _, p in panels], np.arange(len(panels)), False)
        ax.set_xticks(np.arange(len(panels)),
                      [combo_label(f) or "this run" for f, _ in panels])
        ax.set_ylabel("contribution to excess risk")
        _legend(fig, ax)
        specs.append(FigureSpec("decomposition", "decomposition", "decomposition",
                                _caption("per configuration", worst, n_div), fig))
    return specs


def _scaling(data: ReportData, fits: ExponentFits, done, param: str) -> FigureSpec:
    panels = split_by(done, data.others(param))
    fig, axes = new_figure(len(panels), panel_size=(4.8, 3.6 + 0.2 * (1 + len(COMPONENTS))))
    for ax, (fixed, part) in zip(axes, panels):
        series = []
        for name in ("excess_risk", *COMPONENTS):
            y = part[f"result.{name}"].to_numpy(np.float64)
            if not np.all(y[np.isfinite(y)] > 0):
                continue
            row = fits.lookup(name, param, fixed)
            series.append(Series(name.replace("_", " "), part[param].to_numpy(np.float64), y,
                                 row.fit if row else None))
        draw_scaling(ax, series, label(param), "error")
        ax.set_title(combo_label(fixed))
    return FigureSpec(stem("components", "vs", param), "decomposition",
                      f"scaling of the components vs {param}",
                      f"Excess risk and its positive components against {param} (log–log), "
                      "mean over seeds with 95% CI; dashed: power-law fits (α with bootstrap "
                      "95% CI). Components taking values ≤ 0 are not shown.", fig)
