"""The hub's web stack is an optional extra; say which one when it is missing."""

from __future__ import annotations

import importlib.util

from riskscope.core.errors import RiskscopeError

WEB_STACK = ("starlette", "uvicorn", "jinja2")
INSTALL_HINT = "pip install 'riskscope[hub]'"


class MissingExtraError(RiskscopeError):
    """A feature needs packages of an optional extra that are not installed."""


def require_web_stack() -> None:
    """Raise MissingExtraError naming the extra when Starlette, uvicorn or Jinja2 is missing."""
    missing = [name for name in WEB_STACK if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingExtraError(
            f"the hub server needs {', '.join(missing)}, which are part of the optional extra "
            f"riskscope[hub]; install it with: {INSTALL_HINT}")


__all__ = ["INSTALL_HINT", "WEB_STACK", "MissingExtraError", "require_web_stack"]
