"""Declared, per-parameter validation with pydantic, turned into SpecError messages.

Every parameter set (a task's, a model family's, a training config, a study spec) is a
pydantic model with `extra="forbid"`. `validate_params` converts pydantic's errors into one
SpecError naming the dotted field, the value given, what is allowed, and for an unknown key the
valid keys and the closest match.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from riskscope.core.errors import SpecError, closest_match

M = TypeVar("M", bound=BaseModel)


class Params(BaseModel):
    """Base class of parameter models: unknown keys are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _allowed_for(model: type[BaseModel], loc: tuple) -> list[str]:
    """Valid keys at the location of an unknown-key error."""
    current: Any = model
    for part in loc[:-1]:
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return []
        annotation = fields[part].annotation
        current = annotation
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else []


def _type_names(error: dict) -> str:
    kind = error["type"]
    msg = error["msg"]
    names = {
        "int_type": "an integer",
        "float_type": "a number",
        "string_type": "a string",
        "bool_type": "true or false",
        "list_type": "a list",
        "dict_type": "a table",
        "missing": "a value (this key is required)",
    }
    if kind in names:
        return names[kind]
    msg = msg.removeprefix("Input should be ").removeprefix("Value error, ")
    return msg[0].lower() + msg[1:] if msg else kind


def validate_params(model: type[M], data: Any, prefix: str = "") -> M:
    """Validate `data` against `model`; raise SpecError on the first problem."""
    if isinstance(data, model):
        return data
    if not isinstance(data, dict):
        raise SpecError(prefix or model.__name__, data, "a table of parameters")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        inner = (error.get("ctx") or {}).get("error")
        if isinstance(inner, SpecError):
            raise inner from None
        loc = tuple(error["loc"])
        # Union members add their type name to the location; keep only real keys and indices.
        loc = tuple(p for p in loc if isinstance(p, int) or (not str(p).endswith("]")
                    and not (isinstance(p, str) and p[:1].isupper())))
        field = ".".join(str(p) for p in ((prefix,) if prefix else ()) + loc)
        if error["type"] == "extra_forbidden":
            allowed = _allowed_for(model, loc)
            close = closest_match(str(loc[-1]), allowed)
            parent = ".".join(str(p) for p in ((prefix,) if prefix else ()) + loc[:-1])
            raise SpecError(
                f"{parent}.{loc[-1]}" if parent else str(loc[-1]), f"unknown key {loc[-1]!r}",
                "one of the keys " + ", ".join(allowed),
                f"did you mean {close!r}?" if close else None,
            ) from None
        given = error.get("input") if error["type"] != "missing" else "(nothing)"
        raise SpecError(field or model.__name__, given, _type_names(error)) from None


def check_finite(tree: Any, field: str) -> None:
    """SpecError naming the first NaN or infinite float anywhere in a nested spec (JSON, the
    trial hashes and the store have no such numbers; a run would fail late on them)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            check_finite(value, f"{field}.{key}" if field else str(key))
    elif isinstance(tree, list | tuple):
        for k, value in enumerate(tree):
            check_finite(value, f"{field}[{k}]")
    elif isinstance(tree, float) and not math.isfinite(tree):
        raise SpecError(field or "value", tree, "a finite number (no nan or inf)")
