"""The look of every report figure: one matplotlib style, one palette, readable labels.

Figures are built with `matplotlib.figure.Figure` directly (never pyplot), so building a report
changes no global matplotlib state and needs no display: rendering is done by the Agg (PNG),
SVG and PDF canvases that `Figure.savefig` picks by file format.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

#: Okabe & Ito's colour-blind-safe palette (black moved last; it marks measured totals).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
           "#000000")
FORMATS = ("png", "svg", "pdf")
PNG_DPI = 150

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "legend.fontsize": 8.5,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.which": "major",
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "lines.markersize": 4.5,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "pdf.fonttype": 42,  # TrueType in PDFs, editable and accepted by publishers
    "svg.hashsalt": "riskscope",  # deterministic ids in SVG output
}

#: Axis labels of well-known parameters and results. Plain text, no mathtext: one font to
#: embed in a PDF (the definitions are in the captions and in docs/reports.md).
LABELS = {
    "data.n_train": "training-set size n",
    "model.width": "width (hidden units per layer)",
    "model.depth": "depth (hidden layers)",
    "model.init_scale": "initialization scale",
    "training.steps": "training steps",
    "training.lr": "learning rate",
    "training.weight_decay": "weight decay",
    "training.batch_size": "batch size",
    "task.noise_std": "label noise σ",
    "population_risk": "population risk",
    "excess_risk": "excess risk\n(population − Bayes risk)",
    "generalization_gap": "generalization gap\n(population − training risk)",
    "train_risk": "training risk",
    "train_loss": "training loss",
    "test_risk": "test risk (evaluation sample)",
    "test_loss": "test loss (evaluation sample)",
    "approximation_error": "approximation error",
    "optimization_error": "optimization error",
    "remainder": "remainder",
    "bayes_risk": "Bayes risk",
    "grad_norm": "gradient norm",
    "weight_norm": "weight norm",
    "distance_from_init": "distance from initialization",
}

_SHORT = {"data.n_train": "n", "model.width": "width", "model.depth": "depth",
          "training.lr": "lr", "training.steps": "steps", "training.weight_decay": "wd"}


def literal(text: str) -> str:
    """`text` shown as is: a `$` would otherwise start matplotlib's mathtext."""
    return str(text).replace("$", r"\$")


def label(name: str) -> str:
    """A readable axis label for a dotted parameter or a result name."""
    return LABELS.get(name, literal(name.split(".")[-1].replace("_", " ")))


def short(name: str) -> str:
    """A short name for legends: `model.width` → `width`."""
    return _SHORT.get(name, literal(name.split(".")[-1]))


def fmt_value(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return literal(value)


def combo_label(params: dict) -> str:
    """`width=8, n=64` for the parameters that identify a line or a panel ('' when none)."""
    return ", ".join(f"{short(k)}={fmt_value(v)}" for k, v in params.items())


def color(i: int, n: int) -> str | tuple:
    """The i-th of n line colours: the palette up to 7 lines, then a viridis ramp."""
    if n <= len(PALETTE) - 1:
        return PALETTE[i]
    return mpl.colormaps["viridis"](0.9 * i / max(n - 1, 1))


@contextmanager
def styled() -> Iterator[None]:
    """Apply the report style while figures are built and saved."""
    with mpl.rc_context(RC):
        yield


def new_figure(n_panels: int = 1, panel_size=(4.2, 3.1), max_cols: int = 3
               ) -> tuple[Figure, list]:
    """A figure with `n_panels` axes on a grid of at most `max_cols` columns."""
    cols = min(n_panels, max_cols)
    rows = -(-n_panels // cols)
    fig = Figure(figsize=(panel_size[0] * cols, panel_size[1] * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes[:n_panels]


def plain_number(x: float) -> str:
    """10, 200, 0.05, 1e+06: integers below 10^5 as integers, else 3 significant digits."""
    if 1 <= abs(x) < 1e5 and float(x).is_integer():
        return f"{int(x)}"
    return f"{x:.3g}"


def _minor_label(keep: tuple[int, ...]) -> FuncFormatter:
    """Labels for minor log ticks whose leading digit is in `keep` (others unlabelled)."""

    def fmt(x, _pos):
        if x <= 0:
            return ""
        digit = round(x / 10 ** np.floor(np.log10(x) + 1e-9))
        return plain_number(x) if digit in keep else ""

    return FuncFormatter(fmt)


#: below this many inches per decade a log axis labels its decades only
MIN_INCHES_PER_DECADE = 1.5


def _inches_per_decade(ax, axis, span: float) -> float:
    box = ax.get_position()
    width, height = ax.figure.get_size_inches()
    length = box.width * width if axis is ax.xaxis else box.height * height
    return length / np.log10(span)


def plain_log_ticks(ax) -> None:
    """Log axes labelled with plain numbers (10, 20, 0.05) rather than mathtext powers: easier
    to read over the few decades a sweep spans, and much faster to lay out. Minor ticks:
    2…9 × 10^k, all labelled below a factor 3 and only 2, 3, 5 below a decade; 2 and 5 × 10^k
    (labelled) up to 4 decades, unlabelled when the axis has under 1.5 inches per decade; none
    beyond 4 decades."""
    for axis, scale, limits in ((ax.xaxis, ax.get_xscale(), ax.get_xlim()),
                                (ax.yaxis, ax.get_yscale(), ax.get_ylim())):
        if scale != "log":
            continue
        low, high = sorted(limits)
        span = high / low if low > 0 else np.inf
        axis.set_major_formatter(FuncFormatter(lambda x, _pos: plain_number(x)))
        if span >= 1e4:
            axis.set_minor_locator(NullLocator())
        elif span >= 10:
            axis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        keep = tuple(range(1, 10)) if span < 3 else (2, 3, 5)
        if span >= 10 and _inches_per_decade(ax, axis, span) < MIN_INCHES_PER_DECADE:
            keep = ()  # a narrow panel: labelled minor ticks would run into each other
        axis.set_minor_formatter(_minor_label(keep))


def save_figure(fig: Figure, directory: Path, stem: str, formats=FORMATS) -> bytes:
    """Write `stem.<fmt>` for every format into `directory`; return the PNG bytes.

    The layout is computed once, on the PNG, then frozen, so the vector formats reuse it.
    """
    for ax in fig.axes:
        plain_log_ticks(ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI)
    fig.set_layout_engine("none")
    png = buffer.getvalue()
    for fmt in formats:
        path = directory / f"{stem}.{fmt}"
        if fmt == "png":
            path.write_bytes(png)
        else:
            meta = {"Date": None} if fmt == "svg" else {"CreationDate": None}
            fig.savefig(path, format=fmt, metadata=meta)
    return png
