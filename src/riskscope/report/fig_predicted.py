"""Measured against predicted: a stored measurement (`test_risk`) beside a theory's prediction
of it (`predicted_risk`) along each numeric swept parameter along which the prediction varies,
has 3 grid values or more, and gives at most 7 lines (one per value of the other parameters).

For the double-descent study's random-features regime the measurement is the exact test risk
of each fitted readout and the prediction the deterministic equivalent of its expectation
(docs/dynamics.md). Per value of the other swept parameters (one colour each): the measured
median over seeds (solid, markers) with the range over seeds (band) and the trials as dots, the
predicted median (dashed). Medians, not means: at the min-norm threshold the measured risk is
heavy-tailed over seeds. A prediction that is infinite (min-norm ridge at N = n) breaks the
dashed line, is marked by a triangle at the top and named in the caption. The y axis is
logarithmic when every value is positive and they span a factor of 10.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscope.report.aggregate import split_by
from riskscope.report.fig_results import FigureSpec, log_x, stem
from riskscope.report.fig_threshold import RATIO, varies_along
from riskscope.report.interpolation import Thresholds, mark_thresholds, nominal_threshold
from riskscope.report.report_data import ReportData
from riskscope.report.style import color, combo_label, label, new_figure, short

PAIRS = (("test_risk", "predicted_risk"),)
MAX_LINES = 7
MIN_POINTS = 3


def readable(data: ReportData, param: str, lines) -> bool:
    """A curve along `param` needs 3 grid values or more and at most 7 lines (a 2-value
    ridge grid against 12 widths is better read the other way round)."""
    return data.finished[param].nunique() >= MIN_POINTS and len(lines) <= MAX_LINES


def _medians(x, y) -> pd.DataFrame:
    frame = pd.DataFrame({"x": np.asarray(x, np.float64), "y": np.asarray(y, np.float64)})
    frame = frame[np.isfinite(frame["x"])]
    return frame.groupby("x")["y"].agg(["median", "min", "max"]).reset_index()


def _line(ax, part, param, measured, predicted, c, name) -> tuple[list, list, float]:
    """Draw one configuration; return (finite values drawn, x where the prediction is ∞,
    median relative difference of the medians)."""
    x = part[param].to_numpy(np.float64)
    m = part[f"result.{measured}"].to_numpy(np.float64)
    p = part[f"result.{predicted}"].to_numpy(np.float64)
    ok = np.isfinite(m)
    ax.plot(x[ok], m[ok], "o", color=c, alpha=0.3, markersize=3, markeredgewidth=0)
    meas = _medians(x[ok], m[ok])
    ax.plot(meas["x"], meas["median"], "-o", color=c, markersize=3.5,
            label=f"{name}measured" if name else "measured")
    if len(part) > len(meas):
        ax.fill_between(meas["x"], meas["min"], meas["max"], color=c, alpha=0.15, linewidth=0)
    pred = _medians(x, np.where(np.isfinite(p), p, np.inf))
    infinite = pred.loc[~np.isfinite(pred["median"]), "x"].tolist()
    # the line breaks where the prediction is infinite; an arrow at the top marks the spot
    ax.plot(pred["x"], pred["median"].where(np.isfinite(pred["median"])), "--", color=c,
            linewidth=1.4, label=f"{name}predicted" if name else "predicted")
    if infinite:
        ax.plot(infinite, [0.97] * len(infinite), "^", color=c, markersize=7,
                transform=ax.get_xaxis_transform())
    pred = pred[np.isfinite(pred["median"])]
    rel = _relative_gap(meas, pred)
    return [*m[ok], *pred["median"]], infinite, rel


def _relative_gap(meas: pd.DataFrame, pred: pd.DataFrame) -> float:
    both = meas.merge(pred, on="x", suffixes=("_m", "_p"))
    if both.empty:
        return float("nan")
    return float((both["median_m"] / both["median_p"] - 1).abs().median())


def predicted_figures(data: ReportData) -> list[FigureSpec]:
    specs = []
    for measured, predicted in PAIRS:
        if not {f"result.{measured}", f"result.{predicted}"} <= set(data.finished.columns):
            continue
        for param in data.numeric:
            lines = split_by(data.finished, data.others(param))
            if not varies_along(data, param, predicted) or not readable(data, param, lines):
                continue
            fig, (ax,) = new_figure(1, panel_size=(6.0, 4.2 + 0.15 * len(lines)))
            values, notes = [], []
            for i, (fixed, part) in enumerate(lines):
                name = f"{combo_label(fixed)}: " if fixed else ""
                drawn, infinite, rel = _line(ax, part, param, measured, predicted,
                                             color(i, len(lines)), name)
                values += drawn
                note = f"{name}median |measured/predicted − 1| = {rel:.2g}"
                if infinite:
                    note += (f", prediction infinite at {short(param)} = "
                             + ", ".join(f"{v:g}" for v in infinite))
                notes.append(note)
            mark_thresholds(ax, Thresholds(_nominal(lines, param), None))
            _scales(ax, data.finished[param], values)
            ax.set_xlabel(label(param))
            ax.set_ylabel(label(measured).replace(" (evaluation sample)", ""))
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=2,
                      borderaxespad=0)
            caption = (f"{measured} measured (solid: median over seeds, band: range, dots: "
                       f"trials) against {predicted} (dashed: median over seeds) along "
                       f"{param}; ▲ at the top: the prediction is infinite there; black dashed "
                       "line: the interpolation threshold. "
                       + "; ".join(notes) + ".")
            specs.append(FigureSpec(stem("predicted", measured, "vs", param), "study",
                                    f"{measured}: measured vs predicted", caption, fig))
    return specs


def _nominal(lines, param: str) -> float | None:
    """The nominal threshold when every line has the same one (else None: not drawn)."""
    found = {nominal_threshold(part[param], part[f"result.{RATIO}"])
             if f"result.{RATIO}" in part.columns else None for _, part in lines}
    return found.pop() if len(found) == 1 else None


def _scales(ax, x, values) -> None:
    if log_x(x):
        ax.set_xscale("log")
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    if v.size and v.min() > 0 and v.max() / v.min() >= 10:
        ax.set_yscale("log")
