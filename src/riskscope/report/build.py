"""`build_report`: a run's report, built from the store alone (nothing is retrained).

    <store>/reports/<run_id>/index.html        self-contained page (open it in any browser)
                             figures/*.png|svg|pdf
                             tables/*.csv|tex

Only numbers already in the store are used; the report's own computations are means over
seeds with their confidence intervals and power-law fits of stored results.
"""

from __future__ import annotations

import hashlib
import os
import re
from importlib import metadata
from pathlib import Path

from riskscope.report.atomic import atomic_directory
from riskscope.report.fig_curves import curve_figures
from riskscope.report.fig_decomposition import decomposition_figures
from riskscope.report.fig_results import FigureSpec, results_figures
from riskscope.report.fits import fit_exponents
from riskscope.report.html_page import render_page
from riskscope.report.html_parts import RenderedFigure
from riskscope.report.report_data import ReportData, load_report_data
from riskscope.report.study_figures import study_figures
from riskscope.report.style import FORMATS, save_figure, styled
from riskscope.report.tables import exponents_table, summary_tables, write_tables
from riskscope.store import Store

_WIDE = ("decomposition", "components", "curves_", "generalization_gap_curve")


def _version() -> str:
    try:
        return metadata.version("riskscope")
    except metadata.PackageNotFoundError:
        return "unknown"


def report_dir(store: Store, run_id: str) -> Path:
    """Where a run's report goes by default: `<store>/reports/<run_id>`.

    A run id holding characters unsafe in a file name (a run name is free text) has them
    replaced by `_` and a short hash of the id appended, so distinct ids stay distinct.
    """
    safe = re.sub(r"[^A-Za-z0-9_.=+-]", "_", run_id).lstrip(".")[:100]
    if safe != run_id:
        safe = f"{safe}-{hashlib.sha256(run_id.encode()).hexdigest()[:8]}"
    return store.directory / "reports" / safe


def _render(data: ReportData, fits, directory: Path, formats) -> list[RenderedFigure]:
    directory.mkdir()
    rendered = []
    builders = (lambda: decomposition_figures(data, fits), lambda: study_figures(data),
                lambda: results_figures(data, fits), lambda: curve_figures(data))
    for build in builders:
        specs: list[FigureSpec] = build()
        for spec in specs:
            png = save_figure(spec.figure, directory, spec.stem, formats)
            wide = (spec.stem.startswith(_WIDE) or spec.section == "study") \
                and len(spec.figure.axes) > 1
            rendered.append(RenderedFigure(spec.stem, spec.section, spec.title, spec.caption,
                                           png, tuple(formats), wide))
            spec.figure.clear()
    return rendered


def build_report(store: Store, run_ref: str, out_dir: str | os.PathLike | None = None,
                 formats: tuple[str, ...] = FORMATS, n_resamples: int = 2000) -> Path:
    """Build the report of `run_ref` (id, unique prefix or name); return its index.html.

    out_dir:     the report directory (default `<store>/reports/<run_id>`); it is replaced as
                 a whole, atomically, and only if it is empty or an earlier report.
    formats:     figure files written besides the inlined PNG (png, svg, pdf).
    n_resamples: bootstrap resamples of each power-law fit.
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        from riskscope.core.errors import SpecError

        raise SpecError("formats", bad, ", ".join(FORMATS))
    data = load_report_data(store, run_ref)
    target = Path(out_dir) if out_dir is not None else report_dir(store, data.run_id)
    fits = fit_exponents(data, n_resamples=n_resamples)
    tables = summary_tables(data)
    exponents = exponents_table(fits)
    with atomic_directory(target) as tmp, styled():
        figs = _render(data, fits, tmp / "figures", formats)
        (tmp / "tables").mkdir()
        write_tables([*tables, exponents], tmp / "tables", data.run_id)
        page = render_page(data, tables, exponents, fits, figs, _version())
        (tmp / "index.html").write_text(page, encoding="utf-8")
    return target.absolute() / "index.html"
