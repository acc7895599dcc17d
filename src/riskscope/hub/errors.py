"""The hub's refusals, each with the HTTP status the API answers with (a JSON message, never a
traceback). Bad input found by the layers below (`SpecError`, `BundleError`, any other
`RiskscopeError`) is answered 422 with its own message."""

from __future__ import annotations

from riskscope.core.errors import RiskscopeError


class HubError(RiskscopeError):
    """A request the hub refuses; `status` is the HTTP status code."""

    status = 400


class Unauthorized(HubError):
    status = 401


class Forbidden(HubError):
    status = 403


class NotFound(HubError, LookupError):
    status = 404


class Conflict(HubError):
    status = 409


class TooLarge(HubError):
    status = 413


__all__ = ["Conflict", "Forbidden", "HubError", "NotFound", "TooLarge", "Unauthorized"]
