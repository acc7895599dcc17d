"""`riskscope publish` and `riskscope publish-claim`: send a run (as a bundle) or a claim to a
hub."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from riskscope.cli.output import console, out


def transfer_progress(description: str):
    """A rich progress bar for bytes sent or received (on stderr)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    return Progress(TextColumn(f"[bold]{description}"), BarColumn(), DownloadColumn(),
                    TransferSpeedColumn(), TimeRemainingColumn(), console=console)


def token_option(f):
    return click.option("--token", envvar="RISKSCOPE_HUB_TOKEN", required=True,
                        help="your API token (or the RISKSCOPE_HUB_TOKEN variable)")(f)


@click.command()
@click.argument("target", metavar="RUN|BUNDLE")
@click.option("--hub", "hub_url", required=True, help="the hub's URL, e.g. http://127.0.0.1:8765")
@token_option
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory holding RUN (when RUN is not a bundle file)")
@click.option("--author", default=None, help="author written into the bundle")
@click.option("--note", default=None, help="note written into the bundle")
def publish(target, hub_url, token, out_dir, author, note) -> None:
    """Publish RUN (bundled on the fly) or a BUNDLE file to a hub."""
    from riskscope.hub.client import HubClient

    client = HubClient(hub_url, token)
    with tempfile.TemporaryDirectory(prefix="riskscope-publish-") as tmp:
        path = Path(target)
        if not path.is_file():
            from riskscope.cli.output import open_store
            from riskscope.exchange import write_bundle

            with open_store(out_dir, create=False) as store:
                path = write_bundle(store, target, Path(tmp) / "run.rsbundle",
                                    author=author, note=note).path
        elif author or note:
            raise click.UsageError("--author and --note apply when bundling a run; a bundle "
                                   "file already carries its own")
        size = os.path.getsize(path)
        with transfer_progress("publishing") as bar:
            task = bar.add_task("upload", total=size)
            answer = client.upload("/api/runs", path, progress=lambda n: bar.advance(task, n),
                                   what="publishing refused")
    url = f"{client.url}/runs/{answer['digest']}"
    if answer.get("created"):
        out.print(f"published {answer['digest'][:12]} (run {answer['run_id']}): {url}")
    else:
        out.print(f"already published: {answer['digest'][:12]} (run {answer['run_id']}): {url}")


@click.command(name="publish-claim")
@click.argument("claim_file", metavar="CLAIM.toml", type=click.Path(dir_okay=False))
@click.option("--hub", "hub_url", required=True, help="the hub's URL")
@token_option
def publish_claim(claim_file, hub_url, token) -> None:
    """Publish a claim; the hub checks it against every published run it concerns."""
    from riskscope.claims import load_claim
    from riskscope.hub.client import HubClient, path_of

    claim = load_claim(claim_file)  # refuse a malformed claim before sending it
    text = Path(claim_file).read_text(encoding="utf-8")
    client = HubClient(hub_url, token)
    answer = client.request_json("POST", "/api/claims", text.encode("utf-8"),
                                 content_type="text/plain; charset=utf-8",
                                 what="publishing the claim refused")
    board = client.get_json(path_of("api", "claims", claim.id))
    c = board["counts"]
    state = "published" if answer.get("created") else "already on the hub"
    out.print(f"claim {claim.id} {state}: holds in {c['holds']} of {c['runs']} runs, fails in "
              f"{c['fails']}, inconclusive in {c['inconclusive']}: {client.url}/claims/{claim.id}")
