"""A claim's verdict on one run's evidence, with the numbers behind it.

Verdicts: "holds" (the interval lies inside the region the claim states), "fails" (the
interval lies outside it), "inconclusive" (the interval straddles a boundary of the region, or
there is too little evidence to form one). A claim checked on several configurations of one
run (e.g. one per learning rate) gives one `Evidence` per configuration; the run's verdict is
"fails" if any fails, else "inconclusive" if any is, else "holds", and its headline numbers
(estimate, interval, n, method) are those of the deciding configuration — the first failing
one, else the first inconclusive one, else the one closest to a boundary — so a forest plot
shows one estimate and interval per run and the evidence list shows them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from riskscope.claims.statistics import Interval

VerdictName = Literal["holds", "fails", "inconclusive"]
VERDICTS: tuple[str, ...] = ("holds", "fails", "inconclusive")
_SEVERITY = {"fails": 0, "inconclusive": 1, "holds": 2}


def decide(interval: Interval, low: float, high: float) -> VerdictName:
    """holds if [interval] ⊂ [low, high]; fails if they are disjoint; else inconclusive."""
    if math.isnan(interval.estimate) or math.isnan(interval.low) or math.isnan(interval.high):
        return "inconclusive"
    if interval.high < low or interval.low > high:
        return "fails"
    if low <= interval.low and interval.high <= high:
        return "holds"
    return "inconclusive"


def margin(interval: Interval, low: float, high: float) -> float:
    """How far the interval stays inside the region (negative: it crosses a boundary)."""
    return min(interval.low - low, high - interval.high)


def region_text(low: float, high: float) -> str:
    """The stated region in words: "[a, b]", "≤ b", "≥ a"."""
    if math.isinf(low) and math.isinf(high):
        return "any value"
    if math.isinf(low):
        return f"≤ {high:.4g}"
    if math.isinf(high):
        return f"≥ {low:.4g}"
    return f"[{low:.4g}, {high:.4g}]"


def _num(x: float | None) -> float | None:
    """JSON-safe number: None for NaN and ±inf (an unbounded side)."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


@dataclass(frozen=True)
class Evidence:
    """One checked quantity: which trials (label, configuration), what was estimated
    (quantity), the estimate with its interval, the region it was held against and the
    verdict on it."""

    label: str
    configuration: dict
    quantity: str
    interval: Interval
    low: float
    high: float
    verdict: VerdictName
    note: str = ""

    def to_dict(self) -> dict:
        iv = self.interval
        return {"label": self.label, "configuration": self.configuration,
                "quantity": self.quantity, "estimate": _num(iv.estimate),
                "interval": [_num(iv.low), _num(iv.high)], "n": iv.n, "method": iv.method,
                "boundary": [_num(self.low), _num(self.high)], "verdict": self.verdict,
                "note": self.note}


@dataclass(frozen=True)
class ClaimVerdict:
    """A claim checked on one run.

    verdict:   holds | fails | inconclusive.
    estimate, interval, confidence, n, method: the numbers of the deciding evidence (see the
               module docstring); interval sides are ±inf where unbounded.
    boundary:  the region the claim states for that quantity, (low, high).
    quantity:  what the estimate is ("mean sharpness_ratio_late", "exponent of ... along ...").
    detail:    one line a reader understands without the numbers' table.
    evidence:  every configuration checked, in the run's order.
    """

    claim_id: str
    statement: str
    source: str
    study: str
    check: str
    result: str
    run_id: str
    preset: str | None
    verdict: VerdictName
    quantity: str
    estimate: float
    interval: tuple[float, float]
    confidence: float
    n: int
    method: str
    boundary: tuple[float, float]
    detail: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    run_status: str = "done"

    @property
    def boundary_text(self) -> str:
        return region_text(*self.boundary)

    def to_dict(self) -> dict:
        """JSON-able (unbounded sides and NaN become null)."""
        return {"claim_id": self.claim_id, "statement": self.statement, "source": self.source,
                "study": self.study, "check": self.check, "result": self.result,
                "run_id": self.run_id, "preset": self.preset, "verdict": self.verdict,
                "quantity": self.quantity, "estimate": _num(self.estimate),
                "interval": [_num(v) for v in self.interval], "confidence": self.confidence,
                "n": self.n, "method": self.method,
                "boundary": [_num(v) for v in self.boundary], "detail": self.detail,
                "evidence": [e.to_dict() for e in self.evidence],
                "run_status": self.run_status}

    def report_item(self) -> dict:
        """The plain dict the report's "claims that concern this run" section takes."""
        return {"id": self.claim_id, "statement": self.statement, "source": self.source,
                "verdict": self.verdict, "detail": self.detail}


def combine(evidence: list[Evidence]) -> tuple[VerdictName, Evidence | None]:
    """The run's verdict from its evidence and the evidence that decides it."""
    if not evidence:
        return "inconclusive", None
    order = sorted(range(len(evidence)), key=lambda i: (
        _SEVERITY[evidence[i].verdict],
        margin(evidence[i].interval, evidence[i].low, evidence[i].high)
        if evidence[i].verdict == "holds" else 0.0, i))
    deciding = evidence[order[0]]
    return deciding.verdict, deciding


__all__ = ["VERDICTS", "ClaimVerdict", "Evidence", "VerdictName", "combine", "decide",
           "margin", "region_text"]
