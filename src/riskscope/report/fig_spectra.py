"""Weight-spectrum figures (Martin & Mahoney 2021) from the stored results of `weight-spectra`:

1. esd_tail: the empirical spectral density of each fitted layer of one trial per configuration
   (the first seed) on log–log axes — a histogram with logarithmic bins of the eigenvalues of
   WᵀW/N — with the fitted power law ρ(λ) ∝ λ^−α from x_min on (scaled to the tail's share of
   the eigenvalues) and the Marchenko–Pastur bulk edge λ₊ of the matched random matrix;
2. alpha_over_training: α of each layer against the step, mean over seeds per configuration;
3. alpha_vs_test_error: mean α and mean α̂ = α·log10 λ_max of each trained model against its
   test error across the zoo, with Kendall's τ.
`plot_esd` draws one layer's ESD on a given axis (used by `riskscope probe` too).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from riskscope.report.aggregate import split_by
from riskscope.report.fig_results import FigureSpec
from riskscope.report.report_data import ReportData
from riskscope.report.series import draw_band, series_table
from riskscope.report.style import color, combo_label, new_figure

__all__ = ["plot_esd", "spectra_figures"]

MAX_CONFIGS = 6


def plot_esd(ax, eigenvalues, alpha: float, x_min: float, mp_edge: float, title: str = ""
             ) -> None:
    """Log-binned density of the positive eigenvalues, the fitted tail and the MP edge."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    lam = lam[np.isfinite(lam) & (lam > 0)]
    if lam.size < 2:
        ax.set_title(f"{title} (too few eigenvalues)")
        return
    lo, hi = lam.min(), lam.max()
    bins = np.geomspace(lo, hi * (1 + 1e-9), max(8, min(40, lam.size // 3)))
    density, edges = np.histogram(lam, bins=bins, density=True)
    centers = np.sqrt(edges[:-1] * edges[1:])
    keep = density > 0
    ax.loglog(centers[keep], density[keep], "o", ms=3.5, color=color(0, 3), label="ESD")
    if math.isfinite(alpha) and math.isfinite(x_min) and x_min > 0:
        share = float((lam >= x_min).mean())
        grid = np.geomspace(x_min, hi, 50)
        # the tail's density: share × (α−1)/x_min · (λ/x_min)^−α
        ax.loglog(grid, share * (alpha - 1) / x_min * (grid / x_min) ** (-alpha), "-",
                  color=color(1, 3), label=f"power law α={alpha:.2f}")
        ax.axvline(x_min, color=color(1, 3), linestyle=":", linewidth=1)
    if math.isfinite(mp_edge) and mp_edge > 0:
        ax.axvline(mp_edge, color=color(2, 3), linestyle="--", linewidth=1.1,
                   label="MP edge λ₊")
    for axis in (ax.xaxis, ax.yaxis):      # decade labels only: minor ones collide
        axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("eigenvalue λ of WᵀW/N")
    ax.set_ylabel("density")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="lower left", fontsize=7)


def _layers(data: ReportData) -> list[int]:
    found = {int(m.group(1)) for c in data.trials.columns
             if (m := re.fullmatch(r"result\.alpha_layer(\d+)", c))}
    return sorted(found)


def _esd_figure(data: ReportData, layers: list[int]) -> FigureSpec | None:
    if data.load_artifact is None:
        return None
    configs = split_by(data.finished[data.finished["status"] == "done"], data.varying)
    configs = configs[:MAX_CONFIGS]
    fitted = [k for k in layers
              if data.finished[f"result.alpha_layer{k}"].notna().any()] or layers
    panels = [(fixed, part.iloc[0], k) for fixed, part in configs for k in fitted]
    if not panels:
        return None
    fig, axes = new_figure(len(panels), panel_size=(3.6, 2.9), max_cols=max(len(fitted), 2))
    for ax, (fixed, row, k) in zip(axes, panels):
        spectra = data.load_artifact(row["trial_hash"], "spectra")
        plot_esd(ax, spectra[f"layer{k}"].numpy(), row[f"result.alpha_layer{k}"],
                 row[f"result.x_min_layer{k}"], row[f"result.mp_edge_layer{k}"],
                 f"layer {k}; {combo_label(fixed)}")
    return FigureSpec("esd_tail", "study", "weight spectra (ESD) with fitted tails",
                      "Empirical spectral density of WᵀW/N for each layer at the end of "
                      "training (log-binned histogram, one trial per configuration: the first "
                      "seed), the power law fitted above x_min (dotted) by the KS method, and "
                      "the Marchenko–Pastur bulk edge of a random matrix of the same shape "
                      "and entry variance (dashed).", fig)


def _alpha_over_training(data: ReportData, layers: list[int]) -> FigureSpec | None:
    names = set(data.metrics["name"].unique()) if not data.metrics.empty else set()
    shown = [k for k in layers if f"alpha_layer{k}" in names]
    if not shown:
        return None
    # many configurations: one column of panels per value of the first swept parameter
    by_panel = data.varying[:1] if len(split_by(data.trials, data.varying)) > 8 else []
    by_line = [p for p in data.varying if p not in by_panel]
    columns = split_by(data.trials, by_panel)
    lines = [fixed for fixed, _ in split_by(data.trials, by_line)]
    fig, axes = new_figure(len(shown) * len(columns), panel_size=(4.2, 3.1),
                           max_cols=max(len(columns), 2))
    for r, k in enumerate(shown):
        for c, (panel, part) in enumerate(columns):
            ax = axes[r * len(columns) + c]
            for i, line in enumerate(lines):
                mask = (part[list(line)] == pd.Series(line)).all(axis=1) if line else \
                    np.ones(len(part), dtype=bool)
                draw_band(ax, series_table(data.metrics, f"alpha_layer{k}",
                                           part.loc[mask, "trial_hash"]),
                          color(i, len(lines)), "-", combo_label(line) or None)
            ax.set_xscale("log")
            ax.set_xlabel("step")
            ax.set_ylabel(f"α (layer {k})")
            ax.set_title(combo_label(panel), fontsize=9)
    if len(lines) > 1:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(lines), 3))
    return FigureSpec("alpha_over_training", "study", "power-law exponent α over training",
                      "ESD tail exponent α of each layer against the step (smaller α: heavier "
                      "tail), mean over seeds per configuration, band: range over seeds; step "
                      "0 (initialization) not drawn.", fig)


def _alpha_vs_error(data: ReportData) -> FigureSpec | None:
    from riskscope.analyses.measures.kendall import kendall_tau

    done = data.finished[data.finished["status"] == "done"]
    cols = [c for c in ("mean_alpha", "mean_alpha_weighted") if f"result.{c}" in done.columns]
    if len(done) < 2 or "result.test_error" not in done.columns or not cols:
        return None
    fig, axes = new_figure(len(cols), panel_size=(4.2, 3.3))
    err = done["result.test_error"].to_numpy(np.float64)
    for ax, c in zip(axes, cols):
        x = done[f"result.{c}"].to_numpy(np.float64)
        ax.scatter(x, err, s=18, color=color(0, 2))
        ax.set_xlabel({"mean_alpha": "mean α over layers",
                       "mean_alpha_weighted": "mean α̂ = α·log10 λmax"}[c])
        ax.set_ylabel("test error")
        ax.set_title(f"Kendall τ = {kendall_tau(x, err):.2f} (n = {np.isfinite(x).sum()})",
                     fontsize=9)
    return FigureSpec("alpha_vs_test_error", "study", "α and α̂ against test error",
                      "Mean ESD tail exponent α and weighted α̂ of each trained model "
                      "against its test error across the zoo; τ: Kendall's rank correlation.",
                      fig)


def spectra_figures(data: ReportData) -> list[FigureSpec]:
    layers = _layers(data)
    if not layers or data.finished.empty:
        return []
    out = [_esd_figure(data, layers), _alpha_over_training(data, layers),
           _alpha_vs_error(data)]
    return [f for f in out if f is not None]
