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
    """The run's headline results (declared with the run), else the first four results."""
    from riskscope.cli.tables import headline_columns as declared_headline

    present = sorted({k for r in summary["summary"] for k, v in r["results"].items()
                      if v["mean"] is not None})
    return declared_headline(summary) or present[:4]


def stale_note(summary: dict) -> str | None:
    """For `show`: how many finished results come from code that has changed since."""
    code = summary.get("code") or {}
    if not code.get("stale"):
        return None
    return (f"{code['stale']} stale results: computed by code that has changed since; "
            f"recompute them with `riskscope run ... --rerun-stale`")
