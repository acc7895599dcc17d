"""Number formats shared by the HTML and LaTeX tables: `0.123 [0.101, 0.145]`."""

from __future__ import annotations

import math


def num(value, digits: int = 3) -> str:
    """A value with `digits` significant digits; '–' for a missing or non-finite one."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return "–" if math.isnan(value) else str(value)
    return f"{value:.{digits}g}"


NOT_INFORMATIVE = "(interval not informative)"


def with_ci(mean, low, high, digits: int = 3, informative: bool = True) -> str:
    """`mean [low, high]`, or `mean` alone when the interval is unknown, or `mean (interval
    not informative)` when it spans the whole declared range (`report.intervals`)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–"
    if not informative and low is not None:
        return f"{num(mean, digits)} {NOT_INFORMATIVE}"
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return num(mean, digits)
    return f"{num(mean, digits)} [{num(low, digits)}, {num(high, digits)}]"


def param(value) -> str:
    """A parameter value as written in a spec."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:g}"
    return num(value, 4) if isinstance(value, float) else str(value)


def exponent(value) -> str:
    """An exponent with 3 decimals (exponents are of order one; 1e-16 shows as 0.000)."""
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def exponent_ci(value, low, high) -> str:
    return f"{exponent(value)} [{exponent(low)}, {exponent(high)}]"
