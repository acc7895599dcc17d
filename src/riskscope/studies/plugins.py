"""Studies from outside the package: entry points and `--plugin` modules or files.

- Entry points: an installed distribution declares
      [project.entry-points."riskscope.studies"]
      my-study = "my_package.studies:MyStudy"
  The registry loads the group the first time a name it does not know is asked for (so
  `run`, `show`, `report` and bundles find the study in any process). An entry point may name
  a `Study` subclass (registered here) or a module that registers its studies on import.
- `riskscope run --plugin my_package.studies` or `--plugin path/to/studies.py` imports that
  module (or file) first; `@register_study` in it does the rest.
Loading a plugin runs its code, as importing any package does: name only plugins you trust.
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from importlib.metadata import entry_points
from pathlib import Path

from riskscope.core.errors import SpecError
from riskscope.core.module_files import load_module_file

ENTRY_POINT_GROUP = "riskscope.studies"
_loaded_entry_points = False


def load_plugin(ref: str, field: str = "--plugin") -> None:
    """Import `ref`: a dotted module name, or a path to a .py file (its studies register)."""
    path = Path(ref)
    if ref.endswith(".py") or path.is_file():
        if not path.is_file():
            raise SpecError(field, ref, "an existing .py file or an importable module name")
        try:
            load_module_file(path, "riskscope_plugin_")
        except Exception as exc:
            raise SpecError(field, ref, f"a Python file that imports cleanly "
                            f"({type(exc).__name__}: {exc})") from None
        return
    try:
        importlib.import_module(ref)
    except Exception as exc:  # any failure to import is the user's to fix
        raise SpecError(field, ref, f"an importable module or a .py file "
                        f"({type(exc).__name__}: {exc})") from None


def load_entry_point_studies(register) -> None:
    """Load the `riskscope.studies` entry points once; a broken one is a warning."""
    global _loaded_entry_points
    if _loaded_entry_points:
        return
    _loaded_entry_points = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as exc:  # one broken plugin must not break the rest
            warnings.warn(f"riskscope study plugin {ep.name!r} ({ep.value}) failed to load: "
                          f"{type(exc).__name__}: {exc}", stacklevel=2)
            continue
        if inspect.isclass(obj):
            register(obj)
