"""A forest plot of a claim's evidence as inline SVG: one row per run, its estimate and
interval, the region the claim states shaded, colours by verdict. Text is escaped; no style
attributes (the pages' Content-Security-Policy allows no inline styles)."""

from __future__ import annotations

import math
from html import escape

WIDTH, ROW, TOP, LEFT, RIGHT = 760, 24, 34, 280, 24
COLOURS = {"holds": "#1b7f3b", "fails": "#c0392b", "inconclusive": "#7f8c8d"}


def _finite(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values covering [low, high]."""
    if high <= low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(low / step) * step
    ticks, value = [], start
    while value <= high + 1e-12 * abs(high) and len(ticks) < 20:
        ticks.append(round(value, 12))
        value += step
    return ticks


def forest_svg(rows: list[dict], boundary: tuple[float | None, float | None],
               quantity: str = "") -> str:
    """rows: {label, estimate, low, high, verdict}; boundary: the claim's region (None or
    ±inf for an unbounded side). Returns an <svg> element."""
    values = [v for r in rows for v in (r.get("estimate"), r.get("low"), r.get("high"))
              if _finite(v)]
    values += [b for b in boundary if _finite(b)]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5 * (abs(lo) or 1), hi + 0.5 * (abs(hi) or 1)
    pad = 0.06 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    plot_w = WIDTH - LEFT - RIGHT
    height = TOP + ROW * max(len(rows), 1) + 40

    def x(v: float) -> float:
        return LEFT + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_w

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="forest" width="{WIDTH}" '
             f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="forest plot: {escape(quantity)} per run">']
    b_lo = boundary[0] if _finite(boundary[0]) else lo
    b_hi = boundary[1] if _finite(boundary[1]) else hi
    bounded = any(_finite(b) for b in boundary)
    if bounded and b_hi >= lo and b_lo <= hi:
        band_w = max(x(b_hi) - x(b_lo), 1)
        parts.append(f'<rect class="region" x="{x(b_lo):.1f}" y="{TOP - 8}" '
                     f'width="{band_w:.1f}" height="{ROW * max(len(rows), 1) + 8}" '
                     'fill="#d8f0de"/>')
    for b in boundary:
        if _finite(b) and lo <= b <= hi:
            parts.append(f'<line x1="{x(b):.1f}" x2="{x(b):.1f}" y1="{TOP - 8}" '
                         f'y2="{TOP + ROW * max(len(rows), 1)}" stroke="#1b7f3b" '
                         'stroke-dasharray="4 3"/>')
    axis_y = TOP + ROW * max(len(rows), 1) + 4
    parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{axis_y}" y2="{axis_y}" '
                 'stroke="#333"/>')
    for tick in nice_ticks(lo, hi):
        parts.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{axis_y}" '
                     f'y2="{axis_y + 5}" stroke="#333"/><text x="{x(tick):.1f}" '
                     f'y="{axis_y + 18}" text-anchor="middle" font-size="11">{tick:.4g}</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{axis_y + 34}" text-anchor="middle" '
                 f'font-size="12">{escape(quantity)}</text>')
    for i, row in enumerate(rows):
        y = TOP + ROW * i + ROW / 2 - 4
        colour = COLOURS.get(row.get("verdict"), "#333")
        label = str(row.get("label", ""))
        label = label if len(label) <= 38 else label[:37] + "…"
        parts.append(f'<text class="run-label" x="{LEFT - 10}" y="{y + 4:.1f}" '
                     f'text-anchor="end" font-size="12">{escape(label)}</text>')
        low, high, est = row.get("low"), row.get("high"), row.get("estimate")
        if _finite(low) and _finite(high):
            parts.append(f'<line x1="{x(low):.1f}" x2="{x(high):.1f}" y1="{y:.1f}" '
                         f'y2="{y:.1f}" stroke="{colour}" stroke-width="2"/>')
        if _finite(est):
            parts.append(f'<circle class="estimate {escape(str(row.get("verdict")))}" '
                         f'cx="{x(est):.1f}" cy="{y:.1f}" r="4.5" fill="{colour}">'
                         f'<title>{escape(label)}: {est:.4g} ({escape(str(row.get("verdict")))})'
                         '</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["forest_svg", "nice_ticks"]
