"""The `riskscope` command line: thin commands over studies, the store and reports.

Exit codes: 0 success; 1 some trials failed; 2 bad input (spec, arguments, store file);
130 interrupted (rerun the same command to resume).
"""

from __future__ import annotations

import json
import signal
import sys
import threading

import click
from rich.console import Console
from rich.table import Table

from riskscope.cli.progress import RichProgress
from riskscope.cli.run_options import EXECUTORS, make_executor, run_notes, stale_note
from riskscope.cli.tables import runs_table, summary_table
from riskscope.core.errors import RiskscopeError
from riskscope.report.run_summary import run_summary
from riskscope.store import Store
from riskscope.studies import load_spec, run_study, study_descriptions
from riskscope.studies.expand import expand_trials
from riskscope.tasks import task_names

console = Console(stderr=True)
# Piped output (a file, a test, CI) gets wide tables rather than truncated cells.
out = Console() if Console().is_terminal else Console(width=200)

def _headline(summary: dict) -> list[str]:
    """The study's own summary columns that the run has, else the first four results."""
    from riskscope.studies import get_study

    present = sorted({k for r in summary["summary"] for k, v in r["results"].items()
                      if v["mean"] is not None})
    declared = [c for c in get_study(summary["study"]).summary_columns if c in present]
    return declared or present[:4]


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _open_store(directory: str, create: bool) -> Store:
    return Store(directory, create=create)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="riskscope")
def cli() -> None:
    """riskscope: measure what deep-learning theory talks about, on real training runs."""


@cli.command()
def studies() -> None:
    """List the built-in studies."""
    table = Table(title="built-in studies (riskscope run NAME --preset smoke|full)")
    table.add_column("study")
    table.add_column("what it does")
    for name, description in study_descriptions().items():
        table.add_row(name, description)
    out.print(table)


@cli.command()
def tasks() -> None:
    """List the tasks a spec can name in [task]."""
    for name in task_names():
        out.print(name)


@cli.command()
@click.argument("study")
@click.option("--preset", default=None, help="smoke (seconds) or full (real use); default full")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="override one spec key, e.g. --set model.width=128 (repeatable)")
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory (one SQLite store)")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default=None,
              help="where to train; default: the spec's device (auto = CUDA when present)")
@click.option("--dry-run", is_flag=True, help="validate and list the trials, run nothing")
@click.option("--no-report", is_flag=True, help="do not build the HTML report at the end")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="CPU threads for torch (default 1: the ensembles' small kernels gain little "
                   "from more and collapse on a busy machine; see docs/cli.md)")
@click.option("--executor", type=click.Choice(EXECUTORS), default=None,
              help="local (default: this process) or ray (Ray tasks; docs/scale-out.md)")
@click.option("--ray-address", default=None, metavar="auto|HOST:PORT",
              help="join this Ray cluster (implies --executor ray); default: a local Ray "
                   "instance on this machine's cores")
@click.option("--rerun-stale", is_flag=True,
              help="recompute finished trials whose code (riskscope, the study, its analyses) "
                   "has changed since they ran")
def run(study, preset, overrides, out_dir, device, dry_run, no_report, threads, executor,
        ray_address, rerun_stale) -> None:
    """Run STUDY (a built-in name or a SPEC.toml); rerunning resumes where it stopped."""
    spec = load_spec(study, preset, overrides)
    trials = expand_trials(spec)  # every trial validated before anything is written
    if dry_run:
        out.print(f"{spec.study}: {len(trials)} trials valid; nothing run (--dry-run)")
        return
    runner = make_executor(executor, ray_address)  # before any file is touched
    with runner.closing(), _open_store(out_dir, create=True) as store:
        try:
            summary = run_study(spec, store, device=device, progress=RichProgress(console),
                                preset=preset or "full", executor=runner,
                                rerun_stale=rerun_stale, threads=threads)
        except KeyboardInterrupt:
            _fail("interrupted; finished trials are saved. Rerun the same command to resume.",
                  130)
        report = run_summary(store, summary.run_id)
    out.print(summary_table(report, _headline(report)))
    out.print(f"run {summary.run_id}: {summary.trials} trials, {summary.skipped} already in "
              f"the store, {summary.finished} finished now ({summary.diverged} diverged), "
              f"{summary.failed} failed, {summary.wall_s:.1f} s. Store: {summary.store}")
    for note in run_notes(summary):
        out.print(note)
    if not no_report:
        with _open_store(out_dir, create=False) as store:
            _end_of_run_report(store, summary.run_id)
    if summary.failed:
        console.print(summary.failures[0], highlight=False)
        _fail(f"{summary.failed} trials failed (first traceback above)", 1)


def _end_of_run_report(store: Store, run_id: str) -> None:
    """Build the run's report; a failure is reported but does not fail the finished run."""
    from riskscope.report.build import build_report

    try:
        path = build_report(store, run_id)
    except Exception as exc:  # the trials are saved; `riskscope report` can retry
        console.print(f"warning: the report was not built ({type(exc).__name__}: {exc}); "
                      f"retry with: riskscope report {run_id} --out {store.directory}",
                      highlight=False, markup=False)
        return
    out.print(f"report: {path}", highlight=False, markup=False, soft_wrap=True)


@cli.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory (one SQLite store)")
@click.option("--to", "to_dir", default=None,
              help="report directory; default: <results>/reports/<run id>")
def report(run_ref, out_dir, to_dir) -> None:
    """Build RUN's report (self-contained HTML, figures, tables) from the store; print its path."""
    from riskscope.report.build import build_report

    with _open_store(out_dir, create=False) as store:
        path = build_report(store, run_ref, to_dir)
    click.echo(str(path))


@cli.command(name="ls")
@click.option("--out", "out_dir", default="results", show_default=True)
def ls_(out_dir) -> None:
    """List the runs in a results directory."""
    with _open_store(out_dir, create=False) as store:
        runs = store.runs()
    if runs.empty:
        out.print(f"no runs in {out_dir}")
        return
    out.print(runs_table(runs))


@cli.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--out", "out_dir", default="results", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
def show(run_ref, out_dir, as_json) -> None:
    """Summarize RUN (its id, a unique prefix, or its name)."""
    with _open_store(out_dir, create=False) as store:
        summary = run_summary(store, run_ref)
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    c = summary["counts"]
    out.print(f"[bold]{summary['run_id']}[/] study={summary['study']} preset={summary['preset']}"
              f" status={summary['status']} trials={c['trials']} finished={c['finished']} "
              f"diverged={c['diverged']} failed={c['failed']} pending={c['pending']}")
    out.print(summary_table(summary, _headline(summary)))
    if stale_note(summary):
        out.print(f"[bold yellow]{stale_note(summary)}[/]")


def main() -> None:
    if threading.current_thread() is threading.main_thread():  # see riskscope/_startup.py
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", 130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except RiskscopeError as exc:
        _fail(str(exc))
    except OSError as exc:  # a path that cannot be created, read or written
        where = exc.filename or "a file"
        _fail(f"{where}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        _fail("interrupted; rerun the same command to resume.", 130)
