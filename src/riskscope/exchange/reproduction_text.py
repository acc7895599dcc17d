"""Plain-text lines for reproduction records (run info `reproductions`), as `show` prints them.

Kept apart from `reproduce.py` so that a reader (the CLI, the hub) can render records without
importing the study code. The HTML report renders the same dicts itself (report must not
import exchange).
"""

from __future__ import annotations

import datetime as dt


def _when(seconds) -> str:
    try:
        return dt.datetime.fromtimestamp(float(seconds), dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError, OverflowError, OSError):
        return "?"


def reproduction_lines(records: list[dict] | None) -> list[str]:
    """One line per record, oldest first; [] when the run was never reproduced."""
    lines = []
    for r in records or []:
        if not isinstance(r, dict):
            continue
        lines.append(
            f"reproduction {_when(r.get('at'))}: {r.get('outcome', '?')} — "
            f"{r.get('trials_checked', 0)} trials checked: {r.get('identical', 0)} identical, "
            f"{r.get('within_interval', 0)} within their intervals, "
            f"{r.get('differing', 0)} differing (expected: {r.get('expected', '?')}; code "
            f"{r.get('code_fingerprint', '?')}; seed {r.get('seed')})")
    return lines


__all__ = ["reproduction_lines"]
