"""A rich progress bar with an ETA, fed by the runner's ProgressSink interface."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from riskscope.studies.runner import ProgressSink


class RichProgress(ProgressSink):
    """Steps of training done / total, elapsed and remaining time. Quiet when not a terminal."""

    def __init__(self, console: Console):
        self.console = console
        self.progress: Progress | None = None
        self.task = None

    def start(self, total: int, description: str) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("steps"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=self.console, transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task(description, total=max(total, 1))

    def advance(self, n: int) -> None:
        if self.progress is not None:
            self.progress.advance(self.task, n)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
