"""Checking claims against the runs of a store: `check_claim` and `verdicts_for_run`.

A claim concerns a run when the run is of the claim's study (and preset, if the claim names
one) and at least one of the run's trials passes the claim's filters. Its evidence is the
finished trials (status "done"; diverged and failed ones are counted in the detail, not used)
among them. Runs imported from elsewhere are runs of the store like any other.
"""

from __future__ import annotations

import math

import pandas as pd

from riskscope.claims.checks import EVIDENCE, result_values
from riskscope.claims.claim import Claim
from riskscope.claims.selection import select
from riskscope.claims.statistics import Interval
from riskscope.claims.verdict import ClaimVerdict, Evidence, combine, region_text
from riskscope.core.declared_results import ResultDeclaration
from riskscope.core.errors import RiskscopeError
from riskscope.store import Store


def _declared_ranges(info: dict):
    try:
        decl = ResultDeclaration.from_json(info.get("declaration"))
    except RiskscopeError:
        decl = ResultDeclaration()

    def declared(name: str) -> tuple[float | None, float | None]:
        entry = decl.get(name)
        return (None, None) if entry is None else (entry.low, entry.high)

    return declared


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.4g}"


def estimate_text(estimate: float, low: float, high: float) -> str:
    """"0.51 [0.47, 0.55]" (∞ and nan spelled out)."""
    return f"{_fmt(estimate)} [{_fmt(low)}, {_fmt(high)}]"


def interval_text(interval: Interval) -> str:
    """"0.51 [0.47, 0.55]"."""
    return estimate_text(interval.estimate, interval.low, interval.high)


def _detail(verdict: str, evidence: list[Evidence], deciding: Evidence | None,
            excluded: str) -> str:
    if deciding is None:
        return "no evidence: " + (excluded or "no finished trial passes the selection")
    counts = {v: sum(e.verdict == v for e in evidence) for v in ("holds", "fails",
                                                                  "inconclusive")}
    tally = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    text = (f"{verdict} ({tally} of {len(evidence)}); {deciding.label}: {deciding.quantity} "
            f"= {interval_text(deciding.interval)} (n={deciding.interval.n}) vs "
            f"{region_text(deciding.low, deciding.high)}")
    if deciding.note:
        text += f"; {deciding.note}"
    return text + (f"; {excluded}" if excluded else "")


def check_run(claim: Claim, store: Store, run_id: str, run: dict | None = None,
              trials: pd.DataFrame | None = None) -> ClaimVerdict | None:
    """The claim's verdict on one run, or None when the claim does not concern it."""
    run = store.run(run_id) if run is None else run
    if run["study"] != claim.study or (claim.preset is not None
                                       and run.get("preset") != claim.preset):
        return None
    trials = store.trials(run_id) if trials is None else trials
    chosen = select(trials, claim.where)
    if chosen.empty:
        return None
    done = chosen[chosen["status"] == "done"]
    others = chosen["status"].value_counts().to_dict()
    others.pop("done", None)
    excluded = ", ".join(f"{n} {s} trials left out" for s, n in sorted(others.items()))
    check = claim.check
    missing = [name for name in check.results() if f"result.{name}" not in trials.columns]
    if missing:
        evidence: list[Evidence] = []
        excluded = f"the run stores no result {', '.join(missing)}" + \
            (f"; {excluded}" if excluded else "")
    else:
        usable = done[~pd.isna(result_values(done, check.result))] if not done.empty else done
        evidence = EVIDENCE[check.kind](usable, check, _declared_ranges(run.get("info", {})))
        nan = len(done) - len(usable)
        if nan:
            excluded = f"{nan} trials without a value left out" + \
                (f"; {excluded}" if excluded else "")
    status = run.get("status", "done")
    if status != "done":
        excluded = f"run {status}: evidence so far" + (f"; {excluded}" if excluded else "")
    verdict, deciding = combine(evidence)
    region = getattr(check, "region", None)
    if deciding is not None:
        iv, boundary, quantity = deciding.interval, (deciding.low, deciding.high), \
            deciding.quantity
    else:
        iv = Interval(math.nan, -math.inf, math.inf, 0, "no evidence")
        boundary = region if region is not None else (-math.inf, math.inf)
        quantity = check.result
    return ClaimVerdict(
        claim_id=claim.id, statement=claim.statement, source=claim.source, study=claim.study,
        check=check.kind, result=check.result, run_id=run_id, preset=run.get("preset"),
        verdict=verdict, quantity=quantity, estimate=iv.estimate, interval=(iv.low, iv.high),
        confidence=check.confidence, n=iv.n, method=iv.method, boundary=boundary,
        detail=_detail(verdict, evidence, deciding, excluded), evidence=tuple(evidence),
        run_status=status)


def check_claim(claim: Claim, store: Store) -> list[ClaimVerdict]:
    """The claim's verdict on every run of the store it concerns (oldest run first)."""
    runs = store.runs()
    out = []
    for run_id, study in zip(runs["run_id"], runs["study"]):
        if study != claim.study:
            continue
        verdict = check_run(claim, store, run_id)
        if verdict is not None:
            out.append(verdict)
    return out


def check_claims(claims: list[Claim], store: Store) -> list[ClaimVerdict]:
    """Every claim on every run it concerns; each run's trials are read once."""
    runs = store.runs()
    studies = {c.study for c in claims}
    out = []
    for run_id, study in zip(runs["run_id"], runs["study"]):
        if study not in studies:
            continue
        run, trials = store.run(run_id), store.trials(run_id)
        for claim in claims:
            verdict = check_run(claim, store, run_id, run, trials)
            if verdict is not None:
                out.append(verdict)
    order = {c.id: i for i, c in enumerate(claims)}
    return sorted(out, key=lambda v: order[v.claim_id])


def verdicts_for_run(store: Store, run_id: str, claims: list[Claim] | None = None
                     ) -> list[ClaimVerdict]:
    """The claims (default: the built-in ones) that concern the run, each checked on its
    evidence; `[v.report_item() for v in ...]` is what the report's claims section takes."""
    from riskscope.claims.builtin import builtin_claims

    claims = builtin_claims() if claims is None else claims
    run_id = store.resolve_run(run_id)
    run = store.run(run_id)
    if not any(c.study == run["study"] for c in claims):
        return []
    trials = store.trials(run_id)
    verdicts = (check_run(c, store, run_id, run, trials) for c in claims)
    return [v for v in verdicts if v is not None]


def report_items(store: Store, run_ref: str) -> list[dict]:
    """The built-in claims that concern the run, checked on its evidence, as the plain dicts
    the HTML report's claims section shows (the report itself never imports study code)."""
    return [v.report_item() for v in verdicts_for_run(store, run_ref)]


__all__ = ["check_claim", "check_claims", "check_run", "estimate_text", "interval_text",
           "report_items", "verdicts_for_run"]
