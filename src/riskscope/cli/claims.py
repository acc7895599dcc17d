"""`riskscope claims check`: check claims against every run of a store and print a ledger.

Exit 0 whatever the verdicts (a failing claim is a finding); exit 2 on a bad claim file, an
unknown store, or other bad input (raised as RiskscopeError and turned into exit 2 by main).
"""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

_STYLE = {"holds": "green", "fails": "red", "inconclusive": "yellow"}


def ledger_table(verdicts, with_evidence: bool = False) -> Table:
    """claim, run, verdict, estimate [interval], boundary, n (and, asked, every evidence)."""
    from riskscope.claims.evaluate import estimate_text, interval_text
    from riskscope.claims.verdict import region_text

    table = Table(title="claims ledger")
    for col in ("claim", "run", "verdict", "quantity", "estimate [interval]", "boundary", "n"):
        table.add_column(Text(col))
    for v in verdicts:
        table.add_row(Text(v.claim_id), Text(v.run_id), Text(v.verdict, style=_STYLE[v.verdict]),
                      Text(v.quantity),
                      Text(estimate_text(v.estimate, *v.interval)),
                      Text(v.boundary_text), str(v.n))
        if with_evidence and len(v.evidence) > 1:
            for e in v.evidence:
                iv = e.interval
                table.add_row("", Text(f"  {e.label}"), Text(e.verdict, style=_STYLE[e.verdict]),
                              Text(e.quantity),
                              Text(interval_text(iv)),
                              Text(region_text(e.low, e.high)), str(iv.n))
    return table


@click.group(name="claims")
def claims_group() -> None:
    """Theory claims checked against the evidence of runs (docs/claims.md)."""


@claims_group.command(name="check")
@click.argument("claim_files", nargs=-1, metavar="[CLAIM.toml ...]")
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory (one SQLite store)")
@click.option("--json", "as_json", is_flag=True, help="print the verdicts as JSON")
@click.option("--evidence", is_flag=True,
              help="also print every configuration's numbers under each verdict")
def check(claim_files, out_dir, as_json, evidence) -> None:
    """Check claims (the given files; default: the built-in ones) against every run in the
    store that their study and selection concern; print the ledger."""
    from riskscope.claims import builtin_claims, check_claims, load_claim
    from riskscope.store import Store

    claims = [load_claim(p) for p in claim_files] if claim_files else builtin_claims()
    ids = [c.id for c in claims]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        from riskscope.core.errors import SpecError

        raise SpecError("claim id", dupes, "each claim id once in one check")
    with Store(out_dir, create=False) as store:
        verdicts = check_claims(claims, store)
    concerned = {v.claim_id for v in verdicts}
    unmatched = [c.id for c in claims if c.id not in concerned]
    if as_json:
        click.echo(json.dumps({"store": out_dir, "verdicts": [v.to_dict() for v in verdicts],
                               "claims_without_runs": unmatched}, indent=2,
                              ensure_ascii=False))
        return
    out = Console() if Console().is_terminal else Console(width=220)
    if verdicts:
        out.print(ledger_table(verdicts, evidence))
    counts = {k: sum(v.verdict == k for v in verdicts) for k in _STYLE}
    out.print(Text(f"{len(verdicts)} verdicts: {counts['holds']} hold, {counts['fails']} "
                   f"fail, {counts['inconclusive']} inconclusive."))
    if unmatched:
        out.print(Text("no run in the store concerns: " + ", ".join(unmatched)))


__all__ = ["claims_group", "ledger_table"]
