"""Epoch-wise double descent (Nakkiran et al. 2019): the test risk against the training step,
one line per model size, beside the training risk, from the stored `test_risk` and
`train_risk` series.

Lines are coloured by the size parameter (`model.width`, else `data.n_train`, else the first
numeric swept parameter) on a sequential ramp; one row of two panels (test, train) per value of
the other swept parameters (three rows at most). Mean over seeds, band: range over seeds; the
step axis is logarithmic (step 0 not drawn). A marker on each test line shows the logged step
with the lowest mean test risk: before the last step means early stopping would have helped.
"""

from __future__ import annotations

import matplotlib as mpl

from riskscope.report.aggregate import split_by
from riskscope.report.fig_results import FigureSpec, stem
from riskscope.report.report_data import ReportData
from riskscope.report.series import draw_band, series_table
from riskscope.report.style import fmt_value, new_figure, short

MAX_ROWS = 3
SIZE_PARAMS = ("model.width", "data.n_train")


def size_parameter(data: ReportData) -> str | None:
    for name in SIZE_PARAMS:
        if name in data.numeric:
            return name
    return data.numeric[0] if data.numeric else None


def _ramp(i: int, n: int):
    return mpl.colormaps["viridis"](0.9 * i / max(n - 1, 1))


def epochwise_figures(data: ReportData) -> list[FigureSpec]:
    names = set(data.metrics["name"].unique()) if not data.metrics.empty else set()
    if not {"test_risk", "train_risk"} <= names:
        return []
    size = size_parameter(data)
    others = [p for p in data.varying if p != size]
    rows = split_by(data.trials, others)[:MAX_ROWS]
    fig, axes = new_figure(2 * len(rows), panel_size=(4.8, 3.4), max_cols=2)
    late = []
    for r, (fixed, part) in enumerate(rows):
        test_ax, train_ax = axes[2 * r], axes[2 * r + 1]
        lines = split_by(part, [size]) if size else [({}, part)]
        for i, (value, members) in enumerate(lines):
            c = _ramp(i, len(lines))
            name = f"{short(size)}={fmt_value(value[size])}" if size else None
            test = series_table(data.metrics, "test_risk", members["trial_hash"])
            draw_band(test_ax, test, c, "-", name, alpha=0.1)
            draw_band(train_ax, series_table(data.metrics, "train_risk", members["trial_hash"]),
                      c, "--", None, alpha=0.1)
            if not test.empty:
                mean = test.mean(axis=1)
                best = mean.idxmin()
                test_ax.plot([best], [mean[best]], "v", color=c, markersize=5)
                if best < mean.index.max() and mean.iloc[-1] - mean[best] > 0.01 * abs(
                        mean[best]):
                    late.append((mean.iloc[-1] - mean[best],
                                 f"{name}: lowest at step {best:g} ({mean[best]:.3g}, final "
                                 f"{mean.iloc[-1]:.3g})"))
        title = fixed and ", ".join(f"{short(k)}={fmt_value(v)}" for k, v in fixed.items())
        for ax, what in ((test_ax, "test risk"), (train_ax, "training risk")):
            ax.set_xscale("log")
            ax.set_xlabel("step")
            ax.set_ylabel(what)
            ax.set_title(f"{what}{' — ' + title if title else ''}")
    if size:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 7))
    caption = ("Epoch-wise: test risk (left, solid) and training risk (right, dashed) against "
               f"the step, one line per {size or 'configuration'} (colour from dark "
               "for small to yellow for large), mean over seeds, band: range over seeds; ▼ "
               "marks each line's lowest mean test risk. ")
    late = [text for _, text in sorted(late, key=lambda t: -t[0])]
    caption += ("Lower before the end than at the end (epoch-wise non-monotonicity; largest "
                f"differences first{', five shown' if len(late) > 5 else ''}): "
                + "; ".join(late[:5]) + "." if late else
                "Every line's test risk is lowest at (or within 1% of) its last logged step.")
    return [FigureSpec(stem("epoch_wise", size or ""), "study",
                       "test and training risk over training per model size", caption, fig)]
