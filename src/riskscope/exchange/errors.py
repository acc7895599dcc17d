"""The error a bad bundle raises: a `RiskscopeError`, so the CLI exits 2 with its message."""

from __future__ import annotations

from riskscope.core.errors import RiskscopeError


class BundleError(RiskscopeError):
    """A file is not a valid riskscope bundle (or not one this riskscope can read): the
    message says which member or field is wrong and why. Nothing was written anywhere."""


__all__ = ["BundleError"]
