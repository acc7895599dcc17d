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
