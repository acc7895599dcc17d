"""`riskscope describe STUDY [--json]`: a study's declared results, without importing its code.

Prints the study's description, its headline results, then every declared result and series
with its meaning, kind, valid range and unit, and the report's figures. `--json` prints
`{"study", "description", "declaration"}` (the declaration in the form stored with each run,
`ResultDeclaration.to_json`).
"""

from __future__ import annotations

import json

import click


def _range(low, high) -> str:
    return f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"


@click.command()
@click.argument("study")
@click.option("--json", "as_json", is_flag=True, help="print the declaration as JSON")
def describe(study: str, as_json: bool) -> None:
    """Print STUDY's declared results: meaning, kind, range, unit, headline flags."""
    from rich.console import Console
    from rich.table import Table

    from riskscope.studies.registry import study_card

    card = study_card(study)
    decl = card.declaration
    if as_json:
        click.echo(json.dumps({"study": card.name, "description": card.description,
                               "declaration": decl.to_json()}, indent=2, sort_keys=True,
                              ensure_ascii=False))
        return
    out = Console() if Console().is_terminal else Console(width=200)
    out.print(f"[bold]{card.name}[/]: {card.description}", highlight=False)
    heads = ", ".join(r.name for r in decl.headline()) or "(none declared)"
    out.print(f"headline results: {heads}", highlight=False)
    figures = ", ".join(decl.report_figures) or "(generic figures only)"
    out.print(f"report figures: {figures}; headline figure: {decl.headline_figure or 'default'}",
              highlight=False)
    table = Table(title=f"{card.name}: declared results ({len(decl.results)})")
    for col in ("name", "kind", "headline", "range", "unit", "meaning"):
        table.add_column(col, overflow="fold")
    for r in decl.results:
        table.add_row(r.name, r.kind, "yes" if r.headline else "", _range(r.low, r.high),
                      r.unit, r.meaning)
    out.print(table)


__all__ = ["describe"]
