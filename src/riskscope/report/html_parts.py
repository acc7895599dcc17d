"""Pieces of the report page. Every value that comes from the store passes through `esc`."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from dataclasses import dataclass

from riskscope.report.tables import Table


def esc(value) -> str:
    """HTML-escaped text of `value` (quotes included, safe in attributes too)."""
    return html.escape(str(value), quote=True)


@dataclass
class RenderedFigure:
    """A saved figure: its file stem, the PNG bytes inlined in the page, and its formats."""

    stem: str
    section: str
    title: str
    caption: str
    png: bytes
    formats: tuple[str, ...]
    wide: bool = False


def figure(fig: RenderedFigure, number: int) -> str:
    data = base64.b64encode(fig.png).decode("ascii")
    links = " · ".join(f'<a href="figures/{esc(fig.stem)}.{fmt}">{fmt.upper()}</a>'
                       for fmt in fig.formats)
    cls = ' class="wide"' if fig.wide else ""
    return (f'<figure{cls} id="fig-{esc(fig.stem)}">'
            f'<img src="data:image/png;base64,{data}" alt="{esc(fig.title)}">'
            f"<figcaption><b>Figure {number}.</b> {esc(fig.caption)} "
            f'<span class="files">Files: {links}</span></figcaption></figure>')


def figures(figs: list[RenderedFigure], start: int) -> str:
    if not figs:
        return ""
    body = "\n".join(figure(f, start + i) for i, f in enumerate(figs))
    return f'<div class="figures">\n{body}\n</div>'


def table(t: Table, verdict_column: str | None = None) -> str:
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in t.columns)
    body = []
    for row in t.rows:
        cells = []
        for col, value in zip(t.columns, row):
            cls = "num"
            if col == verdict_column and value in ("holds", "does not hold"):
                cls = "verdict-" + value.replace(" ", "-")
            cells.append(f'<td class="{cls}">{esc(value)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(t.columns)}">(none)</td></tr>')
    return (f'<div class="table-wrap"><table class="data"><caption>{esc(t.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def key_values(pairs: list[tuple[str, object]], caption: str = "") -> str:
    rows = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{esc(_text(v))}</td></tr>'
                   for k, v in pairs)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f'<div class="table-wrap"><table class="kv">{cap}<tbody>{rows}</tbody></table></div>'


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def when(seconds) -> str:
    """A UTC time stamp of epoch seconds ('–' for anything else)."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return "–"
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def counts(c: dict) -> str:
    cells = []
    for key in ("trials", "finished", "diverged", "failed", "pending"):
        value = int(c.get(key, 0))
        cls = "bad" if key == "failed" and value else "warn" if key in (
            "diverged", "pending") and value else ""
        cells.append(f'<div class="count {cls}"><b>{value}</b>{esc(key)}</div>')
    return f'<div class="counts">{"".join(cells)}</div>'


def pretty_json(value) -> str:
    return f"<pre>{esc(json.dumps(value, indent=2, sort_keys=True, default=str))}</pre>"
