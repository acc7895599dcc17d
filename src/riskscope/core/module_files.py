"""Run a user's `.py` file as a module (plugin studies, `riskscope probe`'s model factory).

The module is named `<prefix><12 hex digits of sha256(resolved path)>`, so the same file gets
the same name in every process and is run once per process; a file whose code raises is
removed from `sys.modules` again (a later attempt reruns it) and the exception propagates for
the caller to word. Running the file runs its code, as importing any module does.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["load_module_file"]


def load_module_file(path: Path, prefix: str) -> ModuleType:
    """The module made by running `path` (an existing file), loaded once per process."""
    resolved = Path(path).expanduser().resolve()
    name = prefix + hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, resolved)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
