"""`riskscope pull URL RUN`: download a published run's bundle and import it into a store."""

from __future__ import annotations

from pathlib import Path

import click

from riskscope.cli.output import out
from riskscope.cli.publish import transfer_progress


@click.command()
@click.argument("hub_url", metavar="URL")
@click.argument("run_ref", metavar="RUN")
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory to import into (created when missing)")
def pull(hub_url, run_ref, out_dir) -> None:
    """Download RUN (digest, digest prefix, run id or name) from the hub at URL and import it
    (verified exactly as `riskscope import` does). The bundle is kept in <out>/pulled/."""
    from riskscope.cli.output import open_store
    from riskscope.exchange import import_bundle
    from riskscope.hub.client import HubClient, path_of

    client = HubClient(hub_url)
    folder = Path(out_dir) / "pulled"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "download.rsbundle"
    with transfer_progress("pulling") as bar:
        task = bar.add_task("download", total=None)
        headers = client.download(path_of("api", "runs", run_ref, "bundle"), target,
                                  progress=lambda n: bar.advance(task, n),
                                  total=lambda n: bar.update(task, total=n),
                                  what=f"pulling {run_ref} refused")
    digest = headers.get("x-bundle-digest", "")
    with open_store(out_dir, create=True) as store:
        report = import_bundle(target, store)
    final = folder / f"{report.digest}.rsbundle"
    target.replace(final)
    if digest and digest != report.digest:
        click.echo(f"warning: the hub named digest {digest[:12]}, the bundle is "
                   f"{report.digest[:12]}", err=True)
    out.print(report.line())
    out.print(f"bundle kept at {final}")
