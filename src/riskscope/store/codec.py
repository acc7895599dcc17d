"""JSON for the store's columns: valid JSON only, sorted keys, numpy/torch values accepted.

Every column is strict JSON (RFC 8259), so SQLite's own JSON functions (`json_extract`) and
any other reader can parse every row. JSON has no NaN or infinity: such a float is written as
`null` and its place is flagged in a top-level `"__nonfinite__"` list of `[path, kind]` pairs
(path: the list of keys/indices leading to it; kind: "nan", "inf" or "-inf"). `loads` puts the
values back, so a result of NaN still round-trips exactly through riskscope. Rows written by
older versions with bare `NaN` tokens are still read. Keys are sorted so equal dicts give equal
text. A row that is not valid JSON raises `DamagedRowError` (a StoreError) naming the column.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from riskscope.core.errors import SpecError, StoreError

#: The top-level key under which non-finite floats are flagged.
NONFINITE_KEY = "__nonfinite__"


class DamagedRowError(StoreError):
    """A JSON column of the store could not be parsed (the store file was damaged or edited)."""


def is_tensor(obj: Any) -> bool:
    """isinstance(obj, torch.Tensor) without importing torch: if torch was never imported,
    nothing can be a tensor. Keeps `import riskscope.store` (and its readers) free of torch."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def _default(obj: Any) -> Any:
    """Convert the non-JSON types a trainer naturally hands over (numpy/torch values, paths)."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if is_tensor(obj):
        return obj.detach().cpu().tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON-serializable")


def _kind(value: float) -> str:
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def _plain(obj: Any, path: list, flags: list) -> Any:
    """`obj` with every value JSON-native and every non-finite float replaced by None."""
    if isinstance(obj, dict):
        return {k: _plain(v, [*path, k], flags) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v, [*path, i], flags) for i, v in enumerate(obj)]
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        flags.append([path, _kind(obj)])
        return None
    return _plain(_default(obj), path, flags)


def dumps(obj: Any, field: str = "value") -> str:
    """Canonical, strictly valid JSON text of `obj`; SpecError naming `field` if it cannot be
    encoded (a non-JSON type, or a key named `__nonfinite__` inside a dict)."""
    flags: list = []
    try:
        plain = _plain(obj, [], flags)
        if isinstance(plain, dict) and NONFINITE_KEY in plain:
            raise ValueError(f"the key {NONFINITE_KEY!r} is reserved")
        if flags and isinstance(plain, dict):
            plain[NONFINITE_KEY] = flags
        return json.dumps(plain, sort_keys=True, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise SpecError(field, type(obj).__name__, "a JSON-able value", str(exc)) from exc


_VALUES = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _restore(tree: Any, flags: Any) -> None:
    if not isinstance(flags, list):
        raise ValueError(f"{NONFINITE_KEY} is not a list")
    for entry in flags:
        path, kind = entry
        node = tree
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = _VALUES[kind]


def loads(text: str | None, empty: Any = None, field: str = "a JSON column") -> Any:
    """Parse JSON written by `dumps` (non-finite floats restored); `empty` when NULL.

    DamagedRowError naming `field` when the text is not JSON or its flags do not fit.
    """
    if text is None:
        return empty
    try:
        value = json.loads(text)
        if isinstance(value, dict) and NONFINITE_KEY in value:
            _restore(value, value.pop(NONFINITE_KEY))
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        shown = text[:60] if isinstance(text, str) else type(text).__name__
        raise DamagedRowError(f"{field} holds invalid JSON ({exc}): {shown!r}") from exc
    return value


def flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    """Nested dicts to one level with dotted keys: {"model": {"width": 8}} -> {"model.width": 8}.

    Lists and other leaves are kept as they are; an empty nested dict disappears.
    """
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat
