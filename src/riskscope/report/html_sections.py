"""The report page's opening sections — headline figure and results, the claims that concern
the run, its reproduction records — and the table of declared results. Every value taken from
the store or from a claim passes through `html_parts.esc`.

Claims come in as plain dicts (the claims layer computes them; the report never imports it):
    {id, statement, source, verdict: holds | fails | inconclusive, detail}
Reproduction records come from the run info under "reproductions" (written by `reproduce`):
    {at, trials_checked, identical, within_interval, differing, code_fingerprint, outcome}
"""

from __future__ import annotations

from riskscope.report import html_parts as h
from riskscope.report.report_data import ReportData
from riskscope.report.tables import Table

INTERVAL_NOTE = (
    '<p class="note">n: finished trials (diverged ones count but have no value). Intervals: '
    "95% Student-t interval of the mean over seeds, cut to the result's declared range (the "
    "true mean lies in that range, so the cut interval covers it as often); a quantity shared "
    "by all seeds (e.g. the approximation error, from one best-in-class estimate) shows its "
    "own Monte-Carlo interval; \u201cinterval not informative\u201d: the interval spans the "
    "whole declared range (too few seeds).</p>")

VERDICTS = ("holds", "fails", "inconclusive")
_REPRO_KEYS = ("at", "outcome", "trials_checked", "identical", "within_interval", "differing",
               "code_fingerprint")


def headline(data: ReportData, figure: h.RenderedFigure | None, table: Table | None) -> str:
    parts = ['<section id="headline"><h2>Headline</h2>']
    heads = data.declaration.headline()
    if heads:
        items = "".join(f"<li><b>{h.esc(r.name)}</b>: {h.esc(r.meaning)}</li>"
                        for r in heads if r.name in data.results or r.kind == "series")
        if items:
            parts.append(f'<ul class="headline-list">{items}</ul>')
    elif not data.declaration.results:
        parts.append('<p class="note">This run was stored before studies declared their '
                     "results: its headline results are chosen from what is stored.</p>")
    if figure is not None:
        parts.append(h.figures([figure], 1))
    if table is not None and data.summary["summary"]:
        parts += [h.table(table), INTERVAL_NOTE]
    elif not data.summary["summary"]:
        parts.append('<p class="note">No finished trials yet.</p>')
    return "\n".join([*parts, "</section>"])


def claims(items: list[dict]) -> str:
    parts = ['<section id="claims"><h2>Claims that concern this run</h2>']
    if not items:
        parts.append('<p class="note">No claim concerns this run.</p>')
        return "\n".join([*parts, "</section>"])
    rows = []
    for c in items:
        verdict = str(c.get("verdict", ""))
        cls = f"verdict-{verdict}" if verdict in VERDICTS else ""
        rows.append(f'<tr><td><code>{h.esc(c.get("id", ""))}</code></td>'
                    f'<td>{h.esc(c.get("statement", ""))}</td>'
                    f'<td class="{cls}">{h.esc(verdict)}</td>'
                    f'<td>{h.esc(c.get("detail", ""))}</td>'
                    f'<td>{h.esc(c.get("source", ""))}</td></tr>')
    parts.append('<div class="table-wrap"><table class="data claims"><caption>Each claim '
                 "checked on this run's evidence</caption><thead><tr><th>claim</th>"
                 "<th>statement</th><th>verdict</th><th>numbers behind it</th>"
                 f"<th>source</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
    return "\n".join([*parts, "</section>"])


def reproductions(data: ReportData) -> str:
    records = (data.run.get("info") or {}).get("reproductions") or []
    parts = ['<section id="reproductions"><h2>Reproductions</h2>']
    if not isinstance(records, list) or not records:
        parts.append('<p class="note">Not reproduced yet (<code>riskscope reproduce</code> '
                     "re-runs trials of a bundle and records the outcome here).</p>")
        return "\n".join([*parts, "</section>"])
    rows = []
    for r in records:
        r = r if isinstance(r, dict) else {"outcome": r}
        cells = []
        for key in _REPRO_KEYS:
            value = r.get(key)
            if key == "at" and isinstance(value, int | float):
                value = h.when(value)
            cells.append(f"<td>{h.esc(h._text(value))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(f"<th>{h.esc(k.replace('_', ' '))}</th>" for k in _REPRO_KEYS)
    parts.append('<div class="table-wrap"><table class="data"><caption>Trials re-run from '
                 f"their stored specs</caption><thead><tr>{head}</tr></thead>"
                 f"<tbody>{''.join(rows)}</tbody></table></div>")
    return "\n".join([*parts, "</section>"])


def declared(data: ReportData) -> str:
    parts = ['<section id="declared"><h2>Declared results</h2>']
    decl = data.declaration
    if not decl.results:
        parts.append('<p class="note">No declaration was stored with this run (stored before '
                     "studies declared their results); the report shows what is stored.</p>")
        return "\n".join([*parts, "</section>"])
    rows = []
    for r in decl.results:
        low = "−∞" if r.low is None else h._text(r.low)
        high = "∞" if r.high is None else h._text(r.high)
        rows.append(f"<tr><td><code>{h.esc(r.name)}</code></td><td>{h.esc(r.kind)}</td>"
                    f"<td>{'yes' if r.headline else ''}</td>"
                    f"<td>[{h.esc(low)}, {h.esc(high)}]</td><td>{h.esc(r.unit)}</td>"
                    f"<td>{h.esc(r.meaning)}</td></tr>")
    parts.append("<details><summary>"
                 f"{len(decl.results)} results and series the study declares (stored with the "
                 "run)</summary><div class=\"table-wrap\"><table class=\"data\"><thead><tr>"
                 "<th>name</th><th>kind</th><th>headline</th><th>range</th><th>unit</th>"
                 f"<th>meaning</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
                 "</details>")
    return "\n".join([*parts, "</section>"])


__all__ = ["INTERVAL_NOTE", "claims", "declared", "headline", "reproductions"]
