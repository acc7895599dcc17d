"""`build_report`: a run's report, built from the store alone (nothing is retrained).

    <store>/reports/<run_id>/index.html        self-contained page (open it in any browser)
                             figures/*.png      (and .svg/.pdf when asked for: `formats`)
                             tables/*.csv|tex

Each figure is rendered once for the page (PNG, inlined); the vector formats are written only
when asked for (`riskscope report RUN --formats png,svg,pdf`), since they cost several times
the PNG (docs/reports.md, benchmarks/RESULTS.md). Result names, headline results and figure
names come from the run record in the store (the study's declaration), never from study code.

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
from riskscope.report.study_figures import named_study_figures
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


#: the page needs only the PNG (inlined); other formats on request
PAGE_FORMATS = ("png",)


def _named_specs(data: ReportData, fits) -> list[tuple[str, FigureSpec]]:
    """Every figure of the report with the name of what built it: "decomposition", a
    declared study figure name, "results" or "curves" (in page order)."""
    named = [("decomposition", s) for s in decomposition_figures(data, fits)]
    for name, specs in named_study_figures(data):
        named += [(name, s) for s in specs]
    named += [("results", s) for s in results_figures(data, fits)]
    named += [("curves", s) for s in curve_figures(data)]
    return named


def headline_index(named: list[tuple[str, FigureSpec]], wanted: str | None) -> int | None:
    """Which figure opens the page: the first built by the declared headline figure name, or
    whose file stem is that name or starts with `<name>_vs_` (a result against a parameter);
    by default (or when that figure was not drawn) the first study figure, else the first
    figure."""
    if not named:
        return None
    if wanted:
        for i, (name, _) in enumerate(named):
            if name == wanted:
                return i
        for i, (_, spec) in enumerate(named):
            if spec.stem == wanted or spec.stem.startswith(f"{wanted}_vs_"):
                return i
    generic = ("decomposition", "results", "curves")
    return next((i for i, (name, _) in enumerate(named) if name not in generic), 0)


def _render(data: ReportData, fits, directory: Path, formats) -> list[RenderedFigure]:
    directory.mkdir()
    named = _named_specs(data, fits)
    head = headline_index(named, data.declaration.headline_figure)
    rendered = []
    for i, (_, spec) in enumerate(named):
        png = save_figure(spec.figure, directory, spec.stem, formats)
        wide = (spec.stem.startswith(_WIDE) or spec.section == "study") \
            and len(spec.figure.axes) > 1
        section = "headline" if i == head else spec.section
        rendered.append(RenderedFigure(spec.stem, section, spec.title, spec.caption, png,
                                       tuple(formats), wide))
        spec.figure.clear()
    return rendered


def build_report(store: Store, run_ref: str, out_dir: str | os.PathLike | None = None,
                 formats: tuple[str, ...] = PAGE_FORMATS, n_resamples: int = 2000,
                 claims: list[dict] | None = None) -> Path:
    """Build the report of `run_ref` (id, unique prefix or name); return its index.html.

    out_dir:     the report directory (default `<store>/reports/<run_id>`); it is replaced as
                 a whole, atomically, and only if it is empty or an earlier report.
    formats:     figure files written (png, svg, pdf); the page's PNG is rendered once
                 whatever is asked for. Default: what the page needs (PNG).
    n_resamples: bootstrap resamples of each power-law fit.
    claims:      the claims that concern the run, as plain dicts {id, statement, source,
                 verdict, detail}; None (the default): the built-in claims that concern the
                 run, each checked on its evidence (`riskscope.claims.verdicts_for_run`).
    """
    formats = tuple(dict.fromkeys(formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        from riskscope.core.errors import SpecError

        raise SpecError("formats", bad, ", ".join(FORMATS))
    data = load_report_data(store, run_ref)
    if claims is None:
        from riskscope.claims import verdicts_for_run

        claims = [v.report_item() for v in verdicts_for_run(store, data.run_id)]
    target = Path(out_dir) if out_dir is not None else report_dir(store, data.run_id)
    fits = fit_exponents(data, n_resamples=n_resamples)
    tables = summary_tables(data)
    exponents = exponents_table(fits)
    with atomic_directory(target) as tmp, styled():
        figs = _render(data, fits, tmp / "figures", formats)
        (tmp / "tables").mkdir()
        write_tables([*tables, exponents], tmp / "tables", data.run_id)
        page = render_page(data, tables, exponents, fits, figs, _version(), claims, formats)
        (tmp / "index.html").write_text(page, encoding="utf-8")
    return target.absolute() / "index.html"
