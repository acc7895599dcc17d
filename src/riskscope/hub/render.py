"""Jinja2 templates with autoescaping on for every template, and the filters pages use."""

from __future__ import annotations

import datetime as dt
import math

import jinja2
from markupsafe import Markup

from riskscope.hub.forest import forest_svg


def when(timestamp) -> str:
    if timestamp is None:
        return "–"
    return dt.datetime.fromtimestamp(float(timestamp), tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def size(n) -> str:
    n = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def num(value) -> str:
    if value is None or isinstance(value, bool):
        return "–"
    if isinstance(value, int | float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    return str(value)


def interval(values) -> str:
    if not values or len(values) != 2 or values[0] is None or values[1] is None:
        return "–"
    return f"[{num(values[0])}, {num(values[1])}]"


def params_text(params: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in (params or {}).items()) or "(all)"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("riskscope.hub", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=when, size=size, num=num, interval=interval,
                       params_text=params_text)
    # forest_svg escapes every text it draws; Markup marks its SVG as already safe
    env.globals["forest_svg"] = lambda *args, **kwargs: Markup(forest_svg(*args, **kwargs))
    return env


__all__ = ["environment", "interval", "num", "params_text", "size", "when"]
