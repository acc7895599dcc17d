"""Write a directory all at once: build it under a temporary name beside the target, then swap.

A failure while building removes the temporary directory and leaves the previous report (if
any) untouched, so a reader never sees a half-written report. The swap is two renames on one
file system (old → aside, new → target); between them the target is briefly absent, never
partial. Only a directory holding the `MARKER` file (a report riskscope wrote) is replaced.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from riskscope.core.errors import SpecError

MARKER = ".riskscope-report"


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary directory; on success it replaces `target`."""
    target = Path(target).expanduser().absolute()
    if target.exists() and (not target.is_dir() or (any(target.iterdir())
                                                     and not (target / MARKER).exists())):
        raise SpecError("report directory", str(target),
                        "a new or empty directory, or a report riskscope wrote before",
                        "it holds other files, which a report must not replace")
    target.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:12]
    tmp = target.parent / f".{target.name}.tmp-{tag}"
    tmp.mkdir()
    try:
        (tmp / MARKER).write_text("written by riskscope report\n", encoding="utf-8")
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    aside = target.parent / f".{target.name}.old-{tag}"
    if target.exists():
        os.replace(target, aside)
    try:
        os.replace(tmp, target)
    except BaseException:
        if aside.exists():
            os.replace(aside, target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(aside, ignore_errors=True)
