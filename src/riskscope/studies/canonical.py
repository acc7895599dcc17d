"""Canonical JSON and hashes: equal specs give equal bytes, hence equal store keys."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

TRIAL_FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return value  # keep 1.0 distinct from 1: types are part of the spec
    return value


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept; NaN is refused (not valid JSON)."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def spec_hash(value: Any) -> str:
    """sha256 hex of the canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
