"""Package attributes imported on first use (PEP 562), for packages whose listing paths must
not pay for torch: `riskscope.studies`, `riskscope.tasks`, `riskscope.exchange`."""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(package: str, where: dict[str, str]
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """(`__getattr__`, `__dir__`) for `package`: attribute `name` is imported from the module
    `where[name]` (relative to `package` when it does not start with "riskscope.") the first
    time it is asked for, and kept in the package's namespace from then on."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = where[name]
        full = module if module.startswith("riskscope.") else f"{package}.{module}"
        value = getattr(importlib.import_module(full), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *where})

    return __getattr__, __dir__


__all__ = ["lazy_exports"]
