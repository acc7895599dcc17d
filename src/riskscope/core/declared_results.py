"""Declared results: the contract between a study and everything that reads its runs.

A study declares each result it stores (a scalar per trial under `result.<name>`, or a series
per trial in the metrics table): its name, a one-line meaning, its kind, the range a valid
value lies in, its unit or convention, and whether it is a headline result (what a reader came
for). The declaration is stored with the run (in the run's info JSON under `"declaration"`), so
reports, bundles, claims and the hub read result names from the store, never from study code.

A name may end in `*` to declare a family of results sharing a prefix (e.g. `steps_to_*`).
Ranges are closed: `low <= value <= high`; `None` means unbounded on that side. Intervals
computed over seeds are clipped to the declared range (see `DeclaredResult.clip`).

This module is pure data (no torch, no pandas) so that listing studies and describing them
stays instant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from riskscope.core.errors import SpecError

RESULT_KINDS = ("scalar", "series")
DECLARATION_FORMAT = 1


def _bound(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise SpecError(name, value, "a number or null (unbounded)")
    return float(value)


@dataclass(frozen=True)
class DeclaredResult:
    """One declared result.

    name:     the stored name (`result.<name>` or a series name); a trailing `*` declares a
              family of names with that prefix.
    meaning:  one line a reader understands without the code.
    kind:     "scalar" (one value per trial) or "series" (values over training steps).
    low, high: the closed range of valid values (None: unbounded on that side).
    unit:     unit or convention, e.g. "0-1 error", "nats", "squared error summed over outputs".
    headline: shown first by summaries, reports and the hub.
    """

    name: str
    meaning: str
    kind: str = "scalar"
    low: float | None = None
    high: float | None = None
    unit: str = ""
    headline: bool = False

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name or self.name.count("*") > 1 or (
                "*" in self.name and not self.name.endswith("*")):
            raise SpecError("result.name", self.name,
                            "a non-empty name, optionally ending in one '*'")
        if self.kind not in RESULT_KINDS:
            raise SpecError(f"result {self.name}: kind", self.kind, " or ".join(RESULT_KINDS))
        low = _bound(self.low, f"result {self.name}: low")
        high = _bound(self.high, f"result {self.name}: high")
        if low is not None and high is not None and low > high:
            raise SpecError(f"result {self.name}: range", [low, high], "low <= high")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def matches(self, name: str) -> bool:
        """True when `name` is this result (or one of its family, for a `prefix*` name)."""
        if self.name.endswith("*"):
            return name.startswith(self.name[:-1])
        return name == self.name

    def in_range(self, value: float) -> bool:
        """True when value lies in the declared range (NaN is never in range)."""
        if value is None or math.isnan(value):
            return False
        return ((self.low is None or value >= self.low)
                and (self.high is None or value <= self.high))

    def clip(self, value: float) -> float:
        """value clipped to the declared range (NaN stays NaN)."""
        if value is None or math.isnan(value):
            return value
        if self.low is not None:
            value = max(value, self.low)
        if self.high is not None:
            value = min(value, self.high)
        return value

    def to_json(self) -> dict:
        return {"name": self.name, "meaning": self.meaning, "kind": self.kind, "low": self.low,
                "high": self.high, "unit": self.unit, "headline": self.headline}

    @classmethod
    def from_json(cls, data: dict) -> DeclaredResult:
        if not isinstance(data, dict):
            raise SpecError("declaration.results[]", data, "a table with name, meaning, kind")
        unknown = set(data) - {"name", "meaning", "kind", "low", "high", "unit", "headline"}
        if unknown:
            raise SpecError("declaration.results[]", sorted(unknown),
                            "keys name, meaning, kind, low, high, unit, headline")
        return cls(name=data.get("name"), meaning=str(data.get("meaning", "")),
                   kind=data.get("kind", "scalar"), low=data.get("low"), high=data.get("high"),
                   unit=str(data.get("unit", "")), headline=bool(data.get("headline", False)))


@dataclass(frozen=True)
class ResultDeclaration:
    """All results a study declares, plus the figures its report shows.

    headline_figure: the figure a report opens with (a name of `report_figures` or a generic
    figure name the report knows), or None for the report's default.
    """

    results: tuple[DeclaredResult, ...] = ()
    report_figures: tuple[str, ...] = ()
    headline_figure: str | None = None
    format: int = field(default=DECLARATION_FORMAT)

    def __post_init__(self):
        names = [r.name for r in self.results]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SpecError("declaration.results", dupes, "each result declared once")

    def get(self, name: str) -> DeclaredResult | None:
        """The declaration of `name`: an exact entry first, else the longest matching family."""
        exact = [r for r in self.results if r.name == name]
        if exact:
            return exact[0]
        families = [r for r in self.results if r.name.endswith("*") and r.matches(name)]
        return max(families, key=lambda r: len(r.name)) if families else None

    def names(self, kind: str | None = None) -> list[str]:
        return [r.name for r in self.results if kind is None or r.kind == kind]

    def headline(self) -> list[DeclaredResult]:
        return [r for r in self.results if r.headline]

    def to_json(self) -> dict:
        return {"format": self.format, "results": [r.to_json() for r in self.results],
                "report_figures": list(self.report_figures),
                "headline_figure": self.headline_figure}

    @classmethod
    def from_json(cls, data: dict | None) -> ResultDeclaration:
        """Read a stored declaration; an absent one (a run stored before declarations) is
        empty. A declaration from a newer riskscope is refused."""
        if not data:
            return cls()
        if not isinstance(data, dict):
            raise SpecError("declaration", data, "a table with results and report_figures")
        fmt = data.get("format", DECLARATION_FORMAT)
        if not isinstance(fmt, int) or fmt > DECLARATION_FORMAT:
            raise SpecError("declaration.format", fmt,
                            f"an integer <= {DECLARATION_FORMAT} (written by a newer riskscope?)")
        results = data.get("results", [])
        if not isinstance(results, list):
            raise SpecError("declaration.results", results, "a list of result tables")
        figures = data.get("report_figures", [])
        if not isinstance(figures, list) or not all(isinstance(f, str) for f in figures):
            raise SpecError("declaration.report_figures", figures, "a list of figure names")
        head = data.get("headline_figure")
        if head is not None and not isinstance(head, str):
            raise SpecError("declaration.headline_figure", head, "a figure name or null")
        return cls(tuple(DeclaredResult.from_json(r) for r in results), tuple(figures), head, fmt)


__all__ = ["DECLARATION_FORMAT", "RESULT_KINDS", "DeclaredResult", "ResultDeclaration"]
