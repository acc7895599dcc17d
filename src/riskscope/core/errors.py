"""Error types. Every user-facing error names the field, the value given and what is allowed."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class RiskscopeError(Exception):
    """Base class of the errors riskscope raises on purpose (bad input, bad files, bad state).

    The CLI turns any of these into a one-paragraph message and exit code 2.
    """


class SpecError(RiskscopeError, ValueError):
    """A spec or argument is malformed: names the field, the value given and what is allowed."""

    def __init__(self, field: str, given: object, allowed: str, hint: str | None = None):
        self.field = field
        self.given = given
        self.allowed = allowed
        self.hint = hint
        message = f"{field}: got {given!r}; allowed: {allowed}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class StoreError(RiskscopeError):
    """The results store cannot be opened or written (corrupt, foreign, locked)."""


class NotAChainError(SpecError):
    """A network is not a chain of weight layers (its graph branches, merges, reuses a layer
    or applies a map between layers that is not an elementwise activation, a pooling or a
    reshape), so a bound stated for chains (products of layer norms) is not a bound for it.
    `field` names the module where the chain breaks."""

    ALLOWED = ("a chain: each weight layer's input is the previous layer's output after "
               "parameter-free elementwise activations, poolings or reshapes")

    def __init__(self, field: str, given: object, hint: str | None = None):
        super().__init__(field, given, self.ALLOWED, hint)


def closest_match(name: str, choices: Iterable[str]) -> str | None:
    """The closest of `choices` to `name` (difflib ratio >= 0.6), or None."""
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_name_error(field: str, given: str, choices: Iterable[str]) -> SpecError:
    """A SpecError for an unknown name, listing the valid names and the closest one."""
    choices = sorted(choices)
    close = closest_match(given, choices)
    hint = f"did you mean {close!r}?" if close else None
    return SpecError(field, given, "one of " + ", ".join(choices), hint)
