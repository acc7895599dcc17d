"""JSON for the store's columns: sorted keys, NaN and ±inf kept, numpy/torch values accepted.

Python's json writes NaN/Infinity tokens with `allow_nan=True` and reads them back, so a result
of NaN round-trips exactly. Keys are sorted so equal dicts give equal text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from riskscope.core.errors import SpecError


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


def dumps(obj: Any, field: str = "value") -> str:
    """Canonical JSON text of `obj`; SpecError naming `field` if it cannot be encoded."""
    try:
        return json.dumps(
            obj, sort_keys=True, allow_nan=True, separators=(",", ":"), default=_default
        )
    except (TypeError, ValueError) as exc:
        raise SpecError(field, type(obj).__name__, "a JSON-able value", str(exc)) from exc


def loads(text: str | None, empty: Any = None) -> Any:
    """Parse JSON written by `dumps`; `empty` when the column is NULL."""
    if text is None:
        return empty
    return json.loads(text)


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
