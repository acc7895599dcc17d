"""`guarded`: the wrapper of every public `Store` method.

One lock per store serializes threads (an SQLite connection is not safe to share while a
statement runs), and any SQLite failure leaves as a StoreError that names the file and says
whether the store is read-only or damaged, never as a raw `sqlite3` traceback.
"""

from __future__ import annotations

import functools
import sqlite3

from riskscope.core.errors import StoreError
from riskscope.store import codec

__all__ = ["guarded"]


def guarded(method):
    """Serialize use across threads and report SQLite failures as StoreError naming the file.

    The instance must have `_lock` (a reentrant lock), `path` and `read_only`."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            except codec.DamagedRowError as exc:
                raise StoreError(f"{self.path} is a damaged riskscope store: {exc}") from exc
            except sqlite3.Error as exc:
                if self.read_only or "readonly" in str(exc):
                    raise StoreError(
                        f"{self.path} can only be read here (read-only media or no write "
                        f"permission); it cannot be written: {exc}") from exc
                raise StoreError(f"{self.path}: {type(exc).__name__}: {exc}") from exc

    return wrapper
