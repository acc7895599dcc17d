"""A click group whose commands are imported only when one is run or described.

`riskscope --help` and the listing commands must answer at once, so `cli/main.py` names each
command by "module:attribute" and this group imports a command's module the first time click
asks for it. Command modules keep their heavy imports (torch, pandas, matplotlib) inside the
command functions, so even `--help`, which imports every command module for its one-line
summary, stays light (tests/cli/test_cli_startup.py pins it).
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """click.Group with `lazy_commands = {name: "package.module:attribute"}`."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attribute = self.lazy_commands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
            return command
        return super().get_command(ctx, cmd_name)
