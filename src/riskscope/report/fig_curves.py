"""Training curves from the stored metric series: train and test risk (and loss) against the
step, and the generalization gap over training, test risk − train risk, per configuration.

Each configuration (combination of the swept parameters) gets the mean over its seeds and a
band from the lowest to the highest seed (the range, which stays readable with two seeds;
result figures use 95% CIs instead). Values that are not finite (a member after it diverged)
are left out step by step. The step axis is logarithmic (metrics are logged at log-spaced
steps), so step 0, the initialization, is not drawn. When a task's risk equals its loss, only
the loss series is stored and it stands for the risk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscope.report.aggregate import split_by
from riskscope.report.fig_metrics import other_metrics_figure
from riskscope.report.fig_results import FigureSpec
from riskscope.report.report_data import ReportData
from riskscope.report.series import draw_band, finite_values, series_table
from riskscope.report.style import color, combo_label, new_figure

PANELS_PER_FIGURE = 9
_BAND = "band: range over seeds; step 0 (initialization) is not drawn on the log axis."
_ONE_SEED = ("one seed per configuration, so no band (run more seeds, e.g. --set seeds=3); "
             "step 0 (initialization) is not drawn on the log axis.")


def band_note(data: ReportData) -> str:
    """The caption's band sentence: the range over seeds, or why there is none."""
    if not len(data.trials):
        return _BAND
    sizes = [len(part) for _, part in split_by(data.trials, data.varying)]
    return _BAND if max(sizes) > 1 else _ONE_SEED


def _positive(tables) -> bool:
    values = finite_values(tables)
    return bool(values.size) and bool(np.all(values > 0))


def _configs(data: ReportData) -> list[tuple[dict, list[str]]]:
    return [(fixed, part["trial_hash"].tolist())
            for fixed, part in split_by(data.trials, data.varying)]


def _pair_figures(data, train: str, test: str, kind: str) -> list[FigureSpec]:
    configs = _configs(data)
    specs = []
    for start in range(0, len(configs), PANELS_PER_FIGURE):
        chunk = configs[start:start + PANELS_PER_FIGURE]
        fig, axes = new_figure(len(chunk), panel_size=(4.0, 3.0))
        tables = []
        for ax, (fixed, hashes) in zip(axes, chunk):
            pair = (series_table(data.metrics, train, hashes),
                    series_table(data.metrics, test, hashes))
            tables += pair
            draw_band(ax, pair[0], color(0, 2), "--", f"train ({train})")
            draw_band(ax, pair[1], color(1, 2), "-", f"test ({test})")
            ax.set_xscale("log")
            ax.set_xlabel("step")
            ax.set_ylabel(kind)
            ax.set_title(combo_label(fixed))
        if _positive(tables):
            for ax in axes:
                ax.set_yscale("log")
        axes[0].legend(loc="best")
        part = f"_{start // PANELS_PER_FIGURE + 1}" if len(configs) > PANELS_PER_FIGURE else ""
        stored = set(data.metrics["name"].unique())
        what = f"Training ({train}, dashed) and test ({test}, solid)" if {train, test} <= \
            stored else f"Training ({train}; the run stored no {test} series)" if \
            train in stored else f"Test ({test}; the run stored no {train} series)"
        specs.append(FigureSpec(f"curves_{kind}{part}", "curves", f"train and test {kind}",
                                f"{what} {kind} against the step, mean over seeds per "
                                f"configuration; {band_note(data)}", fig))
    return specs


def _gap_panels(data: ReportData) -> tuple[list[str], list[str]]:
    """(panel parameters, line parameters): with more than 4 configurations and 2 or more
    swept parameters, one panel per value of `data.n_train` (else the first parameter)."""
    if len(data.varying) < 2 or len(_configs(data)) <= 4:
        return [], list(data.varying)
    first = "data.n_train" if "data.n_train" in data.varying else data.varying[0]
    return [first], [p for p in data.varying if p != first]


def gap_figure(data: ReportData) -> FigureSpec | None:
    names = set(data.metrics["name"].unique())
    kind = "risk" if {"train_risk", "test_risk"} <= names else "loss"
    train, test = f"train_{kind}", f"test_{kind}"
    if not {train, test} <= names:
        return None
    by_panel, by_line = _gap_panels(data)
    panels = split_by(data.trials, by_panel)
    lines = [fixed for fixed, _ in split_by(data.trials, by_line)]
    fig, axes = new_figure(len(panels), panel_size=(5.0, 3.6))
    for ax, (panel, part) in zip(axes, panels):
        for i, line in enumerate(lines):
            hashes = part.loc[(part[list(line)] == pd.Series(line)).all(axis=1), "trial_hash"] \
                if line else part["trial_hash"]
            gap = (series_table(data.metrics, test, hashes)
                   - series_table(data.metrics, train, hashes))
            draw_band(ax, gap, color(i, len(lines)), "-", combo_label(line) or None)
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel(f"generalization gap\n({test} − {train})")
        ax.set_title(combo_label(panel))
    if len(lines) > 1:
        handles, labels = axes[0].get_legend_handles_labels()
        if len(lines) <= 3 and len(axes) == 1:
            axes[0].legend(handles, labels, loc="best")
        else:
            fig.legend(handles, labels, loc="outside lower center", ncols=min(len(lines), 4))
    return FigureSpec("generalization_gap_curve", "curves", "generalization gap over training",
                      f"Generalization gap over training, {test} − {train} per trial (test on "
                      f"the fixed evaluation sample), mean over seeds per configuration; "
                      f"{band_note(data)}",
                      fig)


def curve_figures(data: ReportData) -> list[FigureSpec]:
    """Risk (or loss) curves, loss curves when the risk differs, the gap curve, and the
    study's own metric series."""
    if data.metrics.empty:
        return []
    names = set(data.metrics["name"].unique())
    specs: list[FigureSpec] = []
    if {"train_risk", "test_risk"} & names:
        specs += _pair_figures(data, "train_risk", "test_risk", "risk")
    if {"train_loss", "test_loss"} & names:
        specs += _pair_figures(data, "train_loss", "test_loss", "loss")
    gap = gap_figure(data)
    other = other_metrics_figure(data)
    return [*specs, *([gap] if gap else []), *([other] if other else [])]
