"""Figures of results against a swept parameter: mean over seeds with a 95% CI band, one line
per value of the other swept parameters, and the fitted power law drawn on log–log axes.

Axes: x is logarithmic when every x is positive and the grid spans a factor of at least 4 (a
geometric sweep); y is logarithmic too when x is and every plotted value is positive, so a power
law is a straight line. Dots are single trials; the band is the Student-t 95% interval of the
mean over seeds (absent with one seed); dashed lines are fits y ≈ C · x^α with the bootstrap
interval of α in the legend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from riskscope.report.aggregate import per_x, split_by
from riskscope.report.fits import ExponentFits
from riskscope.report.formatting import exponent_ci
from riskscope.report.report_data import COMPONENTS, ReportData
from riskscope.report.style import color, combo_label, label, new_figure

LOG_SPAN = 4.0


@dataclass
class Series:
    """One line: per-trial x and y, its legend label and (optionally) its fit."""

    name: str
    x: np.ndarray
    y: np.ndarray
    fit: object = None


@dataclass
class FigureSpec:
    """A built figure and how the report presents it."""

    stem: str
    section: str
    title: str
    caption: str
    figure: object


def stem(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9_-]+", "-", p) for p in parts if p)


def log_x(x) -> bool:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return bool(x.size and x.min() > 0 and x.max() / x.min() >= LOG_SPAN)


def fit_text(fit) -> str:
    return f"α = {exponent_ci(fit.exponent, *fit.exponent_ci)}"


def legend_height(series: list[Series]) -> float:
    """Extra figure height (inches) for a legend placed below the panel."""
    return 0.2 * len(series) if len(series) > 2 else 0.0


def draw_scaling(ax, series: list[Series], xlabel: str, ylabel: str) -> None:
    """Plot each series' per-trial dots, mean, CI band and fit on `ax` with shared scales."""
    all_x = np.concatenate([s.x for s in series]) if series else np.array([])
    all_y = np.concatenate([s.y for s in series]) if series else np.array([])
    finite = np.isfinite(all_x) & np.isfinite(all_y)
    xlog = log_x(all_x[finite])
    ylog = xlog and finite.any() and bool(np.all(all_y[finite] > 0))
    if xlog:
        ax.set_xscale("log")
    if ylog:
        ax.set_yscale("log")
    for i, s in enumerate(series):
        c = color(i, len(series))
        ok = np.isfinite(s.x) & np.isfinite(s.y)
        ax.plot(s.x[ok], s.y[ok], "o", color=c, alpha=0.3, markersize=3, markeredgewidth=0)
        stats = per_x(s.x, s.y)
        if stats.empty:
            continue
        # with a fit, the dashed fit line joins the means and carries the legend entry
        ax.plot(stats["x"], stats["mean"], "o" if s.fit is not None else "-o", color=c,
                label=(s.name or None) if s.fit is None else None)
        band = stats.dropna(subset=["ci_low", "ci_high"])
        if len(band):
            ax.fill_between(band["x"], band["ci_low"], band["ci_high"], color=c, alpha=0.18,
                            linewidth=0)
        if s.fit is not None:
            grid = np.geomspace(stats["x"].min(), stats["x"].max(), 50)
            name = f"{s.name}: " if s.name else "fit "
            ax.plot(grid, s.fit.predict(grid), "--", color=c, linewidth=1.2,
                    label=f"{name}{fit_text(s.fit)}")
    _limits(ax, all_y[finite], ylog)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if any(s.name for s in series) or any(s.fit is not None for s in series):
        if len(series) > 2:  # below the panel, where it hides no data
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), borderaxespad=0)
        else:
            ax.legend(loc="best")


def _limits(ax, y: np.ndarray, ylog: bool) -> None:
    """Limits from the trials, so a wide band (few seeds) cannot flatten the points."""
    if not y.size:
        return
    low, high = float(y.min()), float(y.max())
    if ylog:
        ax.set_ylim(low / 1.6, high * 1.6)
    else:
        pad = 0.15 * (high - low) or 0.1 * abs(high) or 1.0
        ax.set_ylim(low - pad, high + pad)


def results_figures(data: ReportData, fits: ExponentFits) -> list[FigureSpec]:
    """For each numeric swept parameter and each main result, one figure (the components of
    the decomposition are left out when the decomposition figures draw them already)."""
    specs = []
    drawn = set(COMPONENTS) if data.has_decomposition else set()
    n_div = int((data.finished["status"] == "diverged").sum()) if len(data.finished) else 0
    for param in data.numeric:
        others = data.others(param)
        parts = split_by(data.finished, others)
        for result in [r for r in data.results if r not in drawn]:
            column = f"result.{result}"
            series = []
            for fixed, part in parts:
                row = fits.lookup(result, param, fixed)
                series.append(Series(combo_label(fixed), part[param].to_numpy(np.float64),
                                     part[column].to_numpy(np.float64),
                                     row.fit if row else None))
            fig, (ax,) = new_figure(1, panel_size=(5.0, 3.6 + legend_height(series)))
            draw_scaling(ax, series, label(param), label(result))
            caption = (f"{result} against {param}: mean over seeds with its 95% CI (band); dots "
                       "are trials; dashed lines are power-law fits with the bootstrap 95% CI "
                       "of the exponent.")
            if others:
                caption += f" One line per {', '.join(others)}."
            if n_div:
                caption += f" {n_div} diverged trials have no value and are left out."
            specs.append(FigureSpec(stem(result, "vs", param), "results",
                                    f"{result} vs {param}", caption, fig))
    return specs
