"""`riskscope run`: validate a spec, run what the store lacks, summarize, build the report."""

from __future__ import annotations

import click

from riskscope.cli.output import console, fail, headline_columns, open_store, out
from riskscope.cli.plugins import plugin_option


@click.command()
@click.argument("study")
@plugin_option
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
@click.option("--executor", type=click.Choice(["local", "ray"]), default=None,
              help="local (default: this process) or ray (Ray tasks; docs/scale-out.md)")
@click.option("--ray-address", default=None, metavar="auto|HOST:PORT",
              help="join this Ray cluster (implies --executor ray); default: a local Ray "
                   "instance on this machine's cores")
@click.option("--rerun-stale", is_flag=True,
              help="recompute finished trials whose code (riskscope, the study, its analyses) "
                   "has changed since they ran")
@click.option("--track", default=None, metavar="tensorboard:DIR|mlflow:URI",
              help="stream finished trials to a tracker while the study runs")
def run(study, preset, overrides, out_dir, device, dry_run, no_report, threads, executor,
        ray_address, rerun_stale, track) -> None:
    """Run STUDY (a built-in name or a SPEC.toml); rerunning resumes where it stopped."""
    if track is not None:
        from riskscope.cli.export import parse_track

        parse_track(track)  # a bad --track fails before anything is written
    # torch and the study code take seconds to import: say so at once, so the command
    # never looks hung before its progress bar appears.
    with console.status("loading torch and the study code…", spinner="dots"):
        from riskscope.cli.progress import RichProgress
        from riskscope.cli.run_options import make_executor, run_notes
        from riskscope.cli.tables import summary_table
        from riskscope.report.run_summary import run_summary
        from riskscope.studies import load_spec, run_study
        from riskscope.studies.expand import expand_trials

        spec = load_spec(study, preset, overrides)
        trials = expand_trials(spec)  # every trial validated before anything is written
    if dry_run:
        out.print(f"{spec.study}: {len(trials)} trials valid; nothing run (--dry-run)")
        return
    runner = make_executor(executor, ray_address)  # before any file is touched
    with runner.closing(), open_store(out_dir, create=True) as store:
        on_group = None
        if track is not None:
            from riskscope.cli.export import track_callback

            on_group = track_callback(track, store, console.print)[1]
        try:
            summary = run_study(spec, store, device=device, progress=RichProgress(console),
                                preset=preset or "full", on_group=on_group, executor=runner,
                                rerun_stale=rerun_stale, threads=threads)
        except KeyboardInterrupt:
            fail("interrupted; finished trials are saved. Rerun the same command to resume.",
                 130)
        report = run_summary(store, summary.run_id)
    out.print(summary_table(report, headline_columns(report)))
    out.print(f"run {summary.run_id}: {summary.trials} trials, {summary.skipped} already in "
              f"the store, {summary.finished} finished now ({summary.diverged} diverged), "
              f"{summary.failed} failed, {summary.wall_s:.1f} s. Store: {summary.store}")
    for note in run_notes(summary):
        out.print(note)
    if not no_report:
        with open_store(out_dir, create=False) as store:
            _end_of_run_report(store, summary.run_id)
    if summary.failed:
        console.print(summary.failures[0], highlight=False)
        fail(f"{summary.failed} trials failed (first traceback above)", 1)


def _end_of_run_report(store, run_id: str) -> None:
    """Build the run's report; a failure is reported but does not fail the finished run."""
    from riskscope.claims import report_items
    from riskscope.report.build import build_report

    try:
        path = build_report(store, run_id, claims=report_items(store, run_id))
    except Exception as exc:  # the trials are saved; `riskscope report` can retry
        console.print(f"warning: the report was not built ({type(exc).__name__}: {exc}); "
                      f"retry with: riskscope report {run_id} --out {store.directory}",
                      highlight=False, markup=False)
        return
    out.print(f"report: {path}", highlight=False, markup=False, soft_wrap=True)
