"""`--plugin MODULE_OR_FILE` for the commands that need a study's class (run, show, report).

The option is eager: the plugin is imported before the command's other arguments are used,
so its `@register_study` classes are known by then. Repeatable.
"""

from __future__ import annotations

import click

from riskscope.core.errors import RiskscopeError
from riskscope.studies.plugins import load_plugin


def _load(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> None:
    for ref in values:
        try:
            load_plugin(ref)
        except RiskscopeError as exc:
            raise click.UsageError(str(exc)) from None


plugin_option = click.option(
    "--plugin", "plugins", multiple=True, metavar="MODULE_OR_FILE", expose_value=False,
    is_eager=True, callback=_load,
    help="import a module or .py file that registers studies first (repeatable)")
