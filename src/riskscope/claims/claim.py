"""A claim: a stated prediction, its source, the study and trials it concerns, and its check.

File format (TOML; docs/claims.md has the full reference and examples):

    id = "ntk-weight-change-width-rate"            # lower-case letters, digits, '-'
    statement = "In NTK parameterization ..."      # in words
    source = "Lee et al. 2019, Wide neural networks ..."
    study = "lazy-vs-rich"                         # a built-in study
    note = "why the tolerance, what to expect"     # optional

    [select]                                       # optional
    preset = "full"                                # optional: only runs of this preset
    where = { "model.parameterization" = "ntk" }   # optional: parameter filters

    [check]
    kind = "exponent"                              # interval | exponent | monotone | comparison
    result = "relative_weight_change"
    along = "model.width"
    lo = -0.6
    hi = -0.4

Validation is strict: an unknown key, a wrong type, an unknown check kind, an unknown study, a
filter on a parameter the study does not have, or a result the study does not declare (when it
declares its results) is a `SpecError` naming the field, what was given and what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from riskscope.claims.checks_spec import CHECKS, Check
from riskscope.claims.selection import check_filters
from riskscope.core.declared_results import ResultDeclaration
from riskscope.core.errors import SpecError, closest_match
from riskscope.core.validation import validate_params

TOP_KEYS = ("id", "statement", "source", "study", "note", "select", "check")
SELECT_KEYS = ("preset", "where")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


@dataclass(frozen=True)
class Claim:
    """A validated claim. `where`: parameter filters (selection.py); `preset`: None = any;
    `path`: the file it was read from ("" when built from a dict)."""

    id: str
    statement: str
    source: str
    study: str
    check: Check
    where: dict = field(default_factory=dict)
    preset: str | None = None
    note: str = ""
    path: str = ""

    def to_dict(self) -> dict:
        return {"id": self.id, "statement": self.statement, "source": self.source,
                "study": self.study, "note": self.note,
                "select": {"preset": self.preset, "where": self.where},
                "check": self.check.model_dump(), "path": self.path}


def _unknown_keys(data: dict, allowed: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in allowed:
            close = closest_match(str(key), allowed)
            raise SpecError(f"{where}{key}", f"unknown key {key!r}",
                            "one of the keys " + ", ".join(allowed),
                            f"did you mean {close!r}?" if close else None)


def _text(data: dict, key: str, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise SpecError(key, "(nothing)" if value is None else value, "a non-empty string")
    return value.strip()


@cache
def _study_parameters(study: str) -> frozenset[str]:
    """The dotted parameter names a study's trials have: the fields of the task (every task
    its presets name), model, training, data and options sections, the seeds, and every grid
    key. Read from the parameter models, so no task is built (no data set is loaded)."""
    from riskscope.core.validation import validate_params
    from riskscope.store.codec import flatten
    from riskscope.studies import get_study
    from riskscope.studies.spec import DataSection, ModelSection
    from riskscope.tasks.registry import task_class
    from riskscope.training.config import TrainingConfig

    cls = type(get_study(study))
    names: set[str] = {"seed", "data_seed", "study", "format"}
    names.update(f"model.{k}" for k in ModelSection.model_fields)
    names.update(f"data.{k}" for k in DataSection.model_fields)
    names.update(f"training.{k}" for k in TrainingConfig.model_fields)
    tasks: set[str] = set()
    for preset in cls.presets.values():
        tasks.add(preset.get("task", {}).get("name"))
        grid = preset.get("grid", {})
        for key, values in [*grid.items(), *grid.get("zip", {}).items()]:
            if key != "zip":
                names.add(key)
            if key == "task.name":
                tasks.update(values)
        options = validate_params(cls.Options, preset.get("options", {}), "options")
        names.update(f"options.{k}" for k in flatten(options.model_dump()))
        names.update(f"options.{k}" for k in cls.Options.model_fields)
    for name in tasks - {None}:
        names.add("task.name")
        names.update(f"task.{k}" for k in task_class(name).Params.model_fields)
    return frozenset(names)


def study_declaration(study: str) -> ResultDeclaration | None:
    """The results the study declares (its card: no study code is imported), or None when it
    declares none (then any result name is accepted at load time and checked against each
    run's columns)."""
    from riskscope.studies.registry import study_declaration as declared

    decl = declared(study)
    if isinstance(decl, ResultDeclaration) and decl.results:
        return decl
    return None


def _check_result_names(check: Check, study: str) -> None:
    decl = study_declaration(study)
    if decl is None:
        return
    for key, name in (("result", check.result),
                      ("ratio_to", getattr(check, "ratio_to", None))):
        if name is not None and decl.get(name) is None:
            raise SpecError(f"check.{key}", name, "a result the study declares: "
                            + ", ".join(decl.names("scalar")),
                            f"did you mean {closest_match(name, decl.names())!r}?"
                            if closest_match(name, decl.names()) else None)


def parse_claim(data: Any, path: str = "") -> Claim:
    """A validated Claim from the parsed TOML table."""
    if not isinstance(data, dict):
        raise SpecError("claim", data, "a table")
    _unknown_keys(data, TOP_KEYS, "")
    claim_id = _text(data, "id")
    if not _ID.match(claim_id):
        raise SpecError("id", claim_id, "lower-case letters, digits and '-', at most 80")
    statement, source = _text(data, "statement"), _text(data, "source")
    note = _text(data, "note", required=False)
    from riskscope.studies import get_study

    study = _text(data, "study")
    get_study(study)  # unknown study: SpecError listing the built-in ones
    select = data.get("select", {})
    if not isinstance(select, dict):
        raise SpecError("select", select, "a table with preset and/or where")
    _unknown_keys(select, SELECT_KEYS, "select.")
    preset = select.get("preset")
    if preset is not None and (not isinstance(preset, str) or not preset):
        raise SpecError("select.preset", preset, "a preset name")
    known = set(_study_parameters(study))
    if preset is not None:
        presets = type(get_study(study)).presets
        if preset not in presets:
            raise SpecError("select.preset", preset, "one of " + ", ".join(presets))
    where = check_filters(select.get("where", {}), "select.where", known)
    raw = data.get("check")
    if not isinstance(raw, dict):
        raise SpecError("check", "(nothing)" if raw is None else raw,
                        "a table with kind, result and the kind's keys")
    kind = raw.get("kind")
    if kind not in CHECKS:
        close = closest_match(str(kind), CHECKS)
        raise SpecError("check.kind", "(nothing)" if kind is None else kind,
                        "one of " + ", ".join(CHECKS), f"did you mean {close!r}?" if close
                        else None)
    check = validate_params(CHECKS[kind], raw, "check")
    for key in ("along",):
        value = getattr(check, key, None)
        if value is not None and value not in known:
            raise SpecError(f"check.{key}", value, "a parameter of the study, e.g. "
                            + ", ".join(sorted(k for k in known if "." in k)[:8]))
    for key in ("a", "b"):
        if hasattr(check, key):
            check_filters(getattr(check, key), f"check.{key}", known)
    if kind == "comparison" and not check.a:
        raise SpecError("check.a", check.a, "at least one filter naming a configuration")
    _check_result_names(check, study)
    return Claim(claim_id, statement, source, study, check, where, preset, note, path)


def load_claim(path: str | Path) -> Claim:
    """Read and validate one claim file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("claim file", str(path), "an existing .toml file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError("claim file", str(path), f"a readable UTF-8 TOML file ({exc})") \
            from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError("claim file", str(path), f"valid TOML ({exc})") from None
    try:
        return parse_claim(data, str(path))
    except SpecError as exc:
        raise SpecError(f"{path.name}: {exc.field}", exc.given, exc.allowed, exc.hint) \
            from None


__all__ = ["SELECT_KEYS", "TOP_KEYS", "Claim", "load_claim", "parse_claim",
           "study_declaration"]
