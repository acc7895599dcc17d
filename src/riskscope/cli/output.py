"""What every command prints to: the result console (stdout), the message console (stderr),
and the one way a command fails (a message on stderr and an exit code)."""

from __future__ import annotations

import sys

import click
from rich.console import Console

console = Console(stderr=True)
# Piped output (a file, a test, CI) gets wide tables rather than truncated cells.
out = Console() if Console().is_terminal else Console(width=200)


def fail(message: str, code: int = 2) -> None:
    """Print `error: message` on stderr and exit with `code` (2: bad input; 130: interrupted)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def open_store(directory: str, create: bool):
    """The results store in `directory` (imported here so listing commands stay light)."""
    from riskscope.store import Store

    return Store(directory, create=create)


def headline_columns(summary: dict) -> list[str]:
    """The study's own summary columns that the run has, else the first four results."""
    from riskscope.studies import get_study

    present = sorted({k for r in summary["summary"] for k, v in r["results"].items()
                      if v["mean"] is not None})
    declared = [c for c in get_study(summary["study"]).summary_columns if c in present]
    return declared or present[:4]
