"""`riskscope export RUN --to tensorboard DIR | --to mlflow URI`, and the `--track` option of
`riskscope run` that streams finished trials to a tracker while the study runs.

Exports read the store only (riskscope.report.trackers); exporting again adds only trials not
exported before.
"""

from __future__ import annotations

import click

from riskscope.core.errors import SpecError

__all__ = ["export", "parse_track", "track_callback"]


def parse_track(text: str) -> tuple[str, str]:
    """`tensorboard:DIR` or `mlflow:URI` → (kind, target)."""
    kind, sep, target = text.partition(":")
    if not sep or kind not in ("tensorboard", "mlflow") or not target:
        raise SpecError("--track", text, "tensorboard:DIR or mlflow:URI (e.g. "
                        "mlflow:sqlite:///mlflow.db)")
    return kind, target


def track_callback(text: str, store, echo):
    """An `on_group` callback for run_study that exports the trials committed so far."""
    from riskscope.report.trackers import make_exporter

    kind, target = parse_track(text)
    exporter = make_exporter(kind, target)   # a missing extra fails before the run starts

    def on_group(summary) -> None:
        kwargs = {"report": False} if kind == "mlflow" else {}
        n = exporter.export(store, summary.run_id, **kwargs)
        if n:
            echo(f"{kind}: {n} trial(s) exported to {target}")

    return exporter, on_group


@click.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--to", "to", nargs=2, required=True, metavar="TRACKER TARGET",
              help="tensorboard DIR, or mlflow URI (sqlite:///PATH.db, file:///DIR or a path)")
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory (one SQLite store)")
def export(run_ref, to, out_dir) -> None:
    """Export RUN's trials to TensorBoard event files or an MLflow tracking store."""
    from riskscope.report.trackers import export_run
    from riskscope.store import Store

    kind, target = to
    with Store(out_dir, create=False) as store:
        n = export_run(store, run_ref, kind, target)
    click.echo(f"{kind}: {n} trial(s) exported to {target}")
