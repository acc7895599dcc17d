"""`riskscope studies` and `riskscope tasks`: what a spec can name."""

from __future__ import annotations

import click

from riskscope.cli.output import out


@click.command()
def studies() -> None:
    """List the built-in studies."""
    from rich.table import Table

    from riskscope.studies.registry import study_descriptions

    table = Table(title="built-in studies (riskscope run NAME --preset smoke|full)")
    table.add_column("study")
    table.add_column("what it does")
    for name, description in study_descriptions().items():
        table.add_row(name, description)
    out.print(table)


@click.command()
def tasks() -> None:
    """List the tasks a spec can name in [task]."""
    from riskscope.tasks.registry import task_names

    for name in task_names():
        out.print(name)
