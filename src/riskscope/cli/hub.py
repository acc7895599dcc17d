"""`riskscope hub …`: run a hub (serve), add a member (add-user), reproduce a published run."""

from __future__ import annotations

import click

from riskscope.cli.output import console


@click.group(name="hub")
def hub() -> None:
    """Run a riskscope hub: a server where a group publishes runs and checks claims."""


@hub.command()
@click.option("--root", required=True, help="the hub's directory (created when missing)")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to bind; loopback unless you mean to serve a network")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--max-upload-mb", default=256, show_default=True, type=click.IntRange(1, 1 << 20),
              help="largest bundle accepted")
def serve(root, host, port, max_upload_mb) -> None:
    """Serve the hub in ROOT: pages, JSON API, publishing (Ctrl-C stops it)."""
    from riskscope.hub.server import is_loopback, serve_hub

    if not is_loopback(host):
        console.print(f"[yellow]warning:[/] binding {host}: the hub is reachable from other "
                      "machines (reading is open to anyone who can reach it)")
    console.print(f"riskscope hub: root {root}, http://{host}:{port}/")
    serve_hub(root, host=host, port=port, max_upload_bytes=max_upload_mb << 20)


@hub.command(name="add-user")
@click.argument("name")
@click.option("--root", required=True, help="the hub's directory")
@click.option("--new-token", is_flag=True, help="replace an existing member's token")
def add_user(name, root, new_token) -> None:
    """Add member NAME and print their API token (shown once; the hub keeps only a hash)."""
    from riskscope.hub.database import connect
    from riskscope.hub.paths import HubPaths
    from riskscope.hub.users import add_user as add

    paths = HubPaths(root)
    paths.root.mkdir(parents=True, exist_ok=True)
    db = connect(paths.db, create=True)
    try:
        token = add(db, name, replace_token=new_token)
    finally:
        db.close()
    console.print(f"token for {name} (shown once; the hub keeps only its salted hash):")
    click.echo(token)


@hub.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--trials", "k", type=click.IntRange(min=1), default=3, show_default=True,
              help="how many trials to re-run, chosen at random")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="seed of the random choice (default: fresh, recorded)")
@click.option("--root", default=None, help="the hub's directory (the operator, on the hub's "
                                           "machine)")
@click.option("--as", "as_user", default="operator", show_default=True,
              help="with --root: the name the record is filed under")
@click.option("--hub", "hub_url", default=None, help="a hub's URL (a member: download, re-run "
                                                     "here, publish the record)")
@click.option("--token", envvar="RISKSCOPE_HUB_TOKEN", default=None,
              help="with --hub: your API token (or RISKSCOPE_HUB_TOKEN)")
def reproduce(run_ref, k, seed, root, as_user, hub_url, token) -> None:
    """Re-run K trials of a published RUN and record the outcome on the hub (a badge on the
    run page). With --root the hub's bundle is re-run in place; with --hub and --token the
    bundle is downloaded, re-run here, and the record is published."""
    if (root is None) == (hub_url is None):
        raise click.UsageError("give either --root DIR (on the hub's machine) or --hub URL "
                               "--token TOKEN")
    if root is not None:
        from riskscope.hub.service import Hub
        from riskscope.hub.users import check_user_name

        record = Hub(root, serving=False).reproduce(run_ref, k, seed, check_user_name(as_user))
    else:
        import tempfile
        from pathlib import Path

        from riskscope.hub.client import HubClient, path_of
        from riskscope.hub.evidence import reproduce as rerun

        if not token:
            raise click.UsageError("--hub needs --token (or RISKSCOPE_HUB_TOKEN)")
        client = HubClient(hub_url, token)
        with tempfile.TemporaryDirectory(prefix="riskscope-reproduce-") as tmp:
            bundle = Path(tmp) / "run.rsbundle"
            client.download(path_of("api", "runs", run_ref, "bundle"), bundle,
                            what=f"downloading {run_ref} refused")
            record = rerun(bundle, k, seed)
        client.post_json(path_of("api", "runs", record["bundle_digest"], "reproductions"),
                         record, what="recording the reproduction refused")
    console.print(f"{record['outcome']}: {record['trials_checked']} trials checked, "
                  f"{record['identical']} identical, {record['within_interval']} within "
                  f"interval, {record['differing']} differing (expected: "
                  f"{record.get('expected', '?')})")


@hub.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--hub", "hub_url", required=True, help="the hub's URL")
@click.option("--token", envvar="RISKSCOPE_HUB_TOKEN", required=True,
              help="your API token (or RISKSCOPE_HUB_TOKEN)")
@click.option("--reason", default=None, help="why (kept with the run)")
def withdraw(run_ref, hub_url, token, reason) -> None:
    """Withdraw a run you published: hidden from lists, the board and pools; kept for audit."""
    from riskscope.hub.client import HubClient, path_of

    answer = HubClient(hub_url, token).post_json(path_of("api", "runs", run_ref, "withdraw"),
                                                 {"reason": reason},
                                                 what="withdrawing refused")
    state = "withdrawn" if answer.get("changed") else "was already withdrawn"
    console.print(f"run {answer['digest'][:12]} {state}")
