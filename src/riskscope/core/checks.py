"""Argument checks shared across the package; each raises SpecError naming the field."""

from __future__ import annotations

import math

from riskscope.core.errors import SpecError, unknown_name_error


def check_int(field: str, value: object, minimum: int | None = None,
              maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(field, value, "an integer")
    if minimum is not None and value < minimum:
        raise SpecError(field, value, f"an integer >= {minimum}")
    if maximum is not None and value > maximum:
        raise SpecError(field, value, f"an integer <= {maximum}")
    return value


def check_float(field: str, value: object, minimum: float | None = None,
                maximum: float | None = None, open_low: bool = False,
                open_high: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise SpecError(field, value, "a number")
    lo_bad = minimum is not None and (value <= minimum if open_low else value < minimum)
    hi_bad = maximum is not None and (value >= maximum if open_high else value > maximum)
    if lo_bad or hi_bad:
        lo = "" if minimum is None else ("(" if open_low else "[") + f"{minimum}"
        hi = "" if maximum is None else f"{maximum}" + (")" if open_high else "]")
        allowed = f"a number in {lo or '(-inf'}, {hi or 'inf)'}"
        raise SpecError(field, value, allowed)
    return float(value)


def check_choice(field: str, value: object, choices) -> str:
    if not isinstance(value, str):
        raise SpecError(field, value, "one of " + ", ".join(sorted(choices)))
    if value not in choices:
        raise unknown_name_error(field, value, choices)
    return value
