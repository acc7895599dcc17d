"""Build a validated StudySpec from a study name or a TOML file, a preset and --set overrides.

Rules (also in docs/studies.md):
- a built-in name starts from that study's preset (`full` unless another is named);
- a spec file names its study (`study = "..."`) and overrides that study's preset key by key;
  a `grid` table in the file replaces the preset's grid, and a task table naming another task
  replaces the preset's task table, and a model table naming another family replaces the
  preset's model table (and drops the preset's model.* sweeps, unless the file has a grid);
  a key the file sets that the preset's grid sweeps is removed from the grid (the file's value
  replaces the sweep, as `--set` does);
- `--set a.b=value` sets one key (the value is read as TOML, else taken as a string); setting a
  key that the grid sweeps removes it from the grid; `--set model.family=cnn` starts the model
  table afresh for that family (set its keys after it).
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

from riskscope.core.errors import SpecError
from riskscope.core.validation import check_finite, validate_params
from riskscope.store.codec import flatten
from riskscope.studies.registry import get_study
from riskscope.studies.spec import (
    GRID_SECTIONS,
    GRID_TOP_LEVEL,
    StudySpec,
    check_grid_keys,
    normalize_grid,
)


def read_toml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("spec", str(path), "an existing .toml file or a built-in study name")\
            from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError("spec", str(path), f"a readable UTF-8 TOML file ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError("spec", str(path), f"valid TOML ({exc})") from None


def _family(model: Any) -> Any:
    return model.get("family", "mlp") if isinstance(model, dict) else None


def _drop_model_grid(spec: dict) -> None:
    """Another family's keys do not apply: the preset's sweeps over model.* go."""
    grid = spec.get("grid")
    if isinstance(grid, dict):
        for table in (grid, grid.get("zip"), grid.get("product")):
            if isinstance(table, dict):
                for k in [k for k in table if isinstance(k, str) and k.startswith("model.")]:
                    table.pop(k)


def merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if key == "grid":
            out["grid"] = copy.deepcopy(value)
        elif key == "model" and isinstance(value, dict) and \
                _family(value) != _family(out.get("model", {})):
            out["model"] = copy.deepcopy(value)
            if "grid" not in over:
                _drop_model_grid(out)
        elif key == "task" and isinstance(value, dict) and \
                value.get("name", out.get("task", {}).get("name")) != out.get("task", {}).get(
                    "name"):
            out["task"] = copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def parse_override(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise SpecError("--set", text, "key=value, e.g. model.width=64")
    key, raw = (s.strip() for s in text.split("=", 1))
    if not key:
        raise SpecError("--set", text, "key=value with a non-empty key")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        try:  # JSON objects too, e.g. grid={"model.width": [32, 64]}
            value = json.loads(raw)
        except ValueError:
            value = raw
    return key, value


def _drop_from_grid(spec: dict, key: str) -> None:
    grid = spec.get("grid")
    if isinstance(grid, dict):  # a malformed grid is reported by validation, not here
        for table in (grid, grid.get("zip"), grid.get("product")):
            if isinstance(table, dict):
                table.pop(key, None)


def _section_keys(given: dict) -> list[str]:
    """Dotted keys a spec file sets inside the grid-able sections (and data_seed)."""
    keys = [k for k in GRID_TOP_LEVEL if k in given]
    for section in GRID_SECTIONS:
        if isinstance(given.get(section), dict):
            keys += [f"{section}.{k}" for k in flatten(given[section])]
    return keys


def apply_override(spec: dict, key: str, value: Any) -> None:
    if key == "model.family" and value != _family(spec.get("model", {})):
        spec["model"] = {"family": value}  # the preset's keys belong to its own family
        _drop_model_grid(spec)
        return
    _drop_from_grid(spec, key)
    parts = key.split(".")
    node = spec
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise SpecError(f"--set {key}", value, f"a key under a table; {part!r} is a value")
        node = child
    node[parts[-1]] = value


def load_spec(source: str | Path | dict, preset: str | None = None,
              overrides: list[str] | tuple[str, ...] = ()) -> StudySpec:
    """Resolve and validate a spec; nothing runs before this returns."""
    if isinstance(source, dict):
        given = copy.deepcopy(source)
    elif str(source).endswith(".toml") or Path(str(source)).is_file():
        given = read_toml(Path(source))
    else:
        given = {"study": str(source)}
    if "study" not in given:
        raise SpecError("study", "(missing)", "the name of a built-in study, e.g. study = 'train'")
    study = get_study(given["study"])
    preset_name = preset or "full"
    if preset_name not in study.presets:
        raise SpecError("--preset", preset_name, "one of " + ", ".join(sorted(study.presets)))
    spec = merge(study.presets[preset_name], given)
    spec.setdefault("name", f"{study.name}-{preset_name}")
    if "grid" not in given:
        for key in _section_keys(given):
            _drop_from_grid(spec, key)
    for text in overrides:
        apply_override(spec, *parse_override(text))
    spec["grid"] = normalize_grid(spec.get("grid"))
    if not isinstance(spec.get("task"), dict) or "name" not in spec["task"]:
        raise SpecError("task.name", spec.get("task"), "a task name, e.g. 'teacher-student-"
                        "regression' (see `riskscope tasks`)")
    if not isinstance(spec["task"]["name"], str):
        raise SpecError("task.name", spec["task"]["name"], "a task name (a string, see "
                        "`riskscope tasks`)")
    check_finite(spec, "")
    validated = validate_params(StudySpec, spec)
    check_grid_keys(validated.grid)
    return validated
