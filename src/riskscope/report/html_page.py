"""The report page: one self-contained HTML file (inline CSS, figures as PNG data URIs, no
scripts, no external fonts or URLs). Everything taken from the store is HTML-escaped.

The page opens with what a reader came for: the headline figure and the headline results with
their intervals, the claims that concern the run (a list passed in by the caller; see
`html_sections.claims`) and the run's reproduction records (run info `"reproductions"`); the
other figures, the long tables, the declared results, the spec, environment and trial counts
follow."""

from __future__ import annotations

import datetime as dt
import os

from riskscope.report import html_parts as h
from riskscope.report import html_sections as sections
from riskscope.report.fits import ExponentFits
from riskscope.report.html_css import CSS
from riskscope.report.report_data import ReportData
from riskscope.report.tables import Table, prerequisites_table

_ENV_ORDER = ("git_revision", "dirty", "riskscope", "python", "implementation", "torch", "cuda",
              "numpy", "device", "device_name", "platform", "machine", "cpu_count",
              "torch_threads")
_SECTIONS = (("headline", "Headline"), ("claims", "Claims"),
             ("reproductions", "Reproductions"), ("results", "Results"), ("summary", "Tables"),
             ("exponents", "Fitted exponents"), ("curves", "Training curves"),
             ("declared", "Declared results"), ("spec", "Specification"),
             ("environment", "Environment"), ("counts", "Trials"))
#: run-info keys shown in sections of their own, not in the spec's key-value table
_OWN_SECTION = ("declaration", "reproductions")


_when = h.when


def _header(data: ReportData) -> str:
    run = data.run
    info = run.get("info") or {}
    wall = info.get("wall_s")
    meta = [f"run <code>{h.esc(data.run_id)}</code>", f"study <code>{h.esc(run['study'])}</code>",
            f"preset <code>{h.esc(run.get('preset') or '–')}</code>",
            f"status <code>{h.esc(run['status'])}</code>", f"created {_when(run['created_at'])}"]
    if isinstance(wall, int | float):
        meta.append(f"wall time {wall:.1f} s")
    nav = "".join(f'<a href="#{key}">{title}</a>' for key, title in _SECTIONS)
    return (f"<header><h1>riskscope report: {h.esc(run['name'])}</h1>"
            f'<p class="meta">{" · ".join(meta)}</p>{_stale_notice(data)}<nav>{nav}</nav>'
            "</header>")


def _stale_notice(data: ReportData) -> str:
    """A warning when some results were computed by code that has changed since."""
    stale = (data.summary.get("code") or {}).get("stale", 0)
    if not stale:
        return ""
    return (f'<p class="count warn"><b>{stale} stale results</b>: computed by code that has '
            "changed since (riskscope, the study or its analyses); recompute them with "
            f"<code>riskscope run … --rerun-stale</code> (run <code>{h.esc(data.run_id)}"
            "</code>).</p>")


def _spec(data: ReportData) -> str:
    info = {k: v for k, v in (data.run.get("info") or {}).items() if k not in _OWN_SECTION}
    parts = ['<section id="spec"><h2>Specification</h2>',
             "<details open><summary>validated spec (JSON)</summary>",
             h.pretty_json(data.run.get("spec") or {}), "</details>"]
    if info:
        parts.append(h.key_values(sorted(info.items()), "run information"))
    return "\n".join([*parts, "</section>"])


def _environment(data: ReportData) -> str:
    parts = ['<section id="environment"><h2>Environment</h2>']
    if not data.environments:
        parts.append('<p class="note">No environment recorded (no trial has finished).</p>')
    for record, n in data.environments:
        keys = [k for k in _ENV_ORDER if k in record] + sorted(set(record) - set(_ENV_ORDER))
        parts.append(h.key_values([(k, _short(k, record[k])) for k in keys],
                                  f"{n} trials ran here"))
    return "\n".join([*parts, "</section>"])


def _short(key: str, value):
    """The code fingerprint as its source hash and module count, not the module list."""
    if key == "code" and isinstance(value, dict) and "source_sha256" in value:
        return (f"source sha256 {str(value['source_sha256'])[:16]}… over "
                f"{len(value.get('modules') or [])} modules")
    return value


def _counts(data: ReportData) -> str:
    parts = ['<section id="counts"><h2>Trials</h2>', h.counts(data.summary["counts"])]
    extra = prerequisites_table(data)
    if extra is not None:
        parts.append(f"<details><summary>{len(extra.rows)} prerequisite trials, not in the "
                     f"summary and figures</summary>{h.table(extra)}</details>")
    failed = data.trials[data.trials["status"] == "failed"] if len(data.trials) else []
    if len(failed):
        first = failed["error"].dropna()
        text = first.iloc[0] if len(first) else "(no message stored)"
        parts.append(f"<details><summary>first failure of {len(failed)}</summary>"
                     f"<pre>{h.esc(text)}</pre></details>")
    return "\n".join([*parts, "</section>"])


def _summary(data: ReportData, tables: list[Table]) -> str:
    parts = ['<section id="summary"><h2>Tables</h2>']
    if not data.summary["summary"]:
        parts.append('<p class="note">No finished trials yet.</p>')
    for t in tables:
        if t.name == "summary":
            continue  # the headline table opens the page
        if t.name == "all_results":
            parts.append(f"<details><summary>all numeric results</summary>{h.table(t)}"
                         "</details>")
        else:
            parts.append(h.table(t))
    parts.append(sections.INTERVAL_NOTE)
    return "\n".join([*parts, "</section>"])


def _results(figs: list[h.RenderedFigure], start: int) -> tuple[str, int]:
    results = [f for f in figs if f.section == "results"]
    decomposition = [f for f in figs if f.section == "decomposition"]
    study = [f for f in figs if f.section == "study"]
    parts = ['<section id="results"><h2>Results</h2>']
    if decomposition:
        parts += ["<h3>Integrated error analysis</h3>", h.figures(decomposition, start)]
        start += len(decomposition)
    if study:
        parts += ["<h3>This study's figures</h3>", h.figures(study, start)]
        start += len(study)
    if results:
        parts += ["<h3>Results against the swept parameters</h3>", h.figures(results, start)]
        start += len(results)
    if not results and not decomposition and not study:
        parts.append('<p class="note">No numeric parameter is swept in this run, so there is '
                     "nothing to plot against; see the summary table.</p>")
    return "\n".join([*parts, "</section>"]), start


def _exponents(table: Table, fits: ExponentFits) -> str:
    parts = ['<section id="exponents"><h2>Fitted exponents</h2>']
    if fits.rows:
        parts.append(h.table(table, verdict_column="verdict"))
        parts.append('<p class="note">y ≈ C·x<sup>α</sup> fitted by least squares of log y '
                     "on log x over the trials; 95% interval: estimate ± Student-t × bootstrap "
                     "standard error (trials resampled within each x, or the fit's residuals "
                     "when an x has one trial; each fit's method is in "
                     "<code>tables/exponents.csv</code>). A verdict compares a stated exponent "
                     "(spec option <code>expected_exponents</code>) with the interval: it "
                     "holds when the interval contains it.</p>")
    else:
        parts.append('<p class="note">No power law fitted (a fit needs a numeric swept '
                     "parameter with at least 2 positive values and 3 positive results).</p>")
    if fits.skipped:
        items = "".join(f"<li>{h.esc(s)}</li>" for s in fits.skipped)
        parts.append(f"<details><summary>not fitted ({len(fits.skipped)})</summary>"
                     f"<ul>{items}</ul></details>")
    return "\n".join([*parts, "</section>"])


def _curves(data: ReportData, figs: list[h.RenderedFigure], start: int) -> str:
    curves = [f for f in figs if f.section == "curves"]
    parts = ['<section id="curves"><h2>Training curves</h2>']
    if not any(f.stem == "generalization_gap_curve" for f in curves):
        names = set(data.metrics["name"].unique()) if not data.metrics.empty else set()
        stored = sorted(n for n in names if n in {"train_risk", "test_risk", "train_loss",
                                                  "test_loss"})
        what = (f"the run stored only {', '.join(stored)}" if stored else
                "the run stored no train/test metric series")
        parts.append('<p class="note">Generalization gap over training: not available, '
                     f"{h.esc(what)} (it needs a train and a test series of the same "
                     "quantity).</p>")
    parts.append(h.figures(curves, start))
    return "\n".join([*parts, "</section>"])


def _build_time() -> float:
    """Now, or `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention: a bundle
    builds its report with the run's own time, so the same run gives the same bytes)."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH")
    if fixed and fixed.strip().isdigit():
        return float(fixed)
    return dt.datetime.now(dt.UTC).timestamp()


def render_page(data: ReportData, tables: list[Table], exponents: Table, fits: ExponentFits,
                figs: list[h.RenderedFigure], version: str, claims: list[dict] | None = None,
                formats: tuple[str, ...] = ("png",)) -> str:
    """The page. `figs`: the rendered figures, the headline one (if any) in section
    "headline"; `claims`: the claims that concern the run ({id, statement, source, verdict,
    detail}; None or [] → the page says none does)."""
    headline = [f for f in figs if f.section == "headline"]
    head_table = next((t for t in tables if t.name == "summary"), None)
    opening = sections.headline(data, headline[0] if headline else None, head_table)
    results, next_number = _results(figs, 1 + len(headline))
    body = [_header(data), opening, sections.claims(claims or []),
            sections.reproductions(data), results, _summary(data, tables),
            _exponents(exponents, fits), _curves(data, figs, next_number),
            sections.declared(data), _spec(data), _environment(data), _counts(data)]
    files = ", ".join(f.upper() for f in formats)
    footer = (f"<footer>Built from the store alone by riskscope {h.esc(version)} on "
              f"{_when(_build_time())}. Figures as {h.esc(files)} "
              "are in <code>figures/</code> (other formats: <code>riskscope report RUN "
              "--formats png,svg,pdf</code>), tables as CSV and LaTeX in "
              "<code>tables/</code>.</footer>")
    title = f"riskscope report: {data.run['name']} ({data.run_id})"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{h.esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + f"\n{footer}\n</main>\n</body>\n</html>\n")
