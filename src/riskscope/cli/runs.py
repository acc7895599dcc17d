"""`riskscope ls`, `show` and `report`: reading runs back from a results store."""

from __future__ import annotations

import json

import click

from riskscope.cli.output import headline_columns, open_store, out, stale_note
from riskscope.cli.plugins import plugin_option


@click.command(name="ls")
@click.option("--out", "out_dir", default="results", show_default=True)
def ls_(out_dir) -> None:
    """List the runs in a results directory."""
    from riskscope.cli.tables import runs_table

    with open_store(out_dir, create=False) as store:
        runs = store.run_rows()
    if not runs:
        out.print(f"no runs in {out_dir}")
        return
    out.print(runs_table(runs))


@click.command()
@click.argument("run_ref", metavar="RUN")
@plugin_option
@click.option("--out", "out_dir", default="results", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
def show(run_ref, out_dir, as_json) -> None:
    """Summarize RUN (its id, a unique prefix, or its name)."""
    from riskscope.cli.tables import summary_table
    from riskscope.report.run_summary import run_summary

    with open_store(out_dir, create=False) as store:
        summary = run_summary(store, run_ref)
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    c = summary["counts"]
    out.print(f"[bold]{summary['run_id']}[/] study={summary['study']} preset={summary['preset']}"
              f" status={summary['status']} trials={c['trials']} finished={c['finished']} "
              f"diverged={c['diverged']} failed={c['failed']} pending={c['pending']}")
    out.print(summary_table(summary, headline_columns(summary)))
    from riskscope.exchange.reproduction_text import reproduction_lines

    for line in reproduction_lines(summary["info"].get("reproductions")):
        out.print(line, highlight=False, markup=False)
    if stale_note(summary):
        out.print(f"[bold yellow]{stale_note(summary)}[/]")


@click.command()
@click.argument("run_ref", metavar="RUN")
@plugin_option
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory (one SQLite store)")
@click.option("--to", "to_dir", default=None,
              help="report directory; default: <results>/reports/<run id>")
@click.option("--formats", default="png", show_default=True, metavar="LIST",
              help="figure files to write, comma-separated from png,svg,pdf (the page itself "
                   "needs only png)")
def report(run_ref, out_dir, to_dir, formats) -> None:
    """Build RUN's report (self-contained HTML, figures, tables) from the store; print its path."""
    from riskscope.claims import report_items
    from riskscope.report.build import build_report

    with open_store(out_dir, create=False) as store:
        path = build_report(store, run_ref, to_dir, claims=report_items(store, run_ref),
                            formats=tuple(f.strip() for f in formats.split(",") if f.strip()))
    click.echo(str(path))
