"""Code fingerprints: which code produced a result, so results of older code are marked stale.

Two fingerprints, both plain JSON-able dicts:

- `package_fingerprint()`: the riskscope version, the git revision of the source tree when the
  package is imported from a git checkout (with a `git_dirty` flag), and `package_sha256`, a
  sha256 over every `.py` file of the installed package (path and bytes, in path order). Two
  installs with the same package_sha256 run the same riskscope code. Bundles reuse it.
- `code_fingerprint(module)`: what one trial records. The same version/revision fields plus
  `source_sha256`, a sha256 over the source of `module` (a study's module) and of every
  riskscope module it imports, transitively (found by reading the `import` statements, not by
  importing; a package's `__init__` counts only where it is imported from by name). So a
  change to the study, its analyses, probes, trainer or models changes it; a change to an
  unrelated study or to the report does not. The module names are recorded too
  (`modules`), so the current code can be hashed the same way later without knowing the study
  (`is_current`), which is how `show` and the report find stale results from the store alone.

Convention: a source hash is over file bytes, so a comment edit makes results stale too; that
errs on the safe side (a rerun), never on serving results of code that changed.
"""

from __future__ import annotations

import ast
import hashlib
import re
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

_ROOT_PACKAGE = "riskscope"
_GIT_TIMEOUT_S = 2.0

__all__ = ["code_fingerprint", "is_current", "package_fingerprint", "source_sha256"]


def _version() -> str | None:
    try:
        return metadata.version(_ROOT_PACKAGE)
    except metadata.PackageNotFoundError:
        return None


@cache
def _package_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True,
                              timeout=_GIT_TIMEOUT_S, check=False, cwd=_package_dir())
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@cache
def _git_state() -> tuple[str | None, bool | None]:
    """(revision, dirty) of the git checkout the package is imported from; (None, None) for an
    installed wheel or when git is absent."""
    revision = _git("rev-parse", "HEAD")
    if not revision:
        return None, None
    status = _git("status", "--porcelain", "--untracked-files=no", "--", ".")
    return revision, None if status is None else bool(status)


def _module_file(name: str) -> Path | None:
    """The source file of riskscope module `name`, found on disk without importing anything."""
    parts = name.split(".")
    if parts[0] != _ROOT_PACKAGE:
        return None
    base = _package_dir().joinpath(*parts[1:])
    for path in (base.with_suffix(".py") if len(parts) > 1 else None, base / "__init__.py"):
        if path is not None and path.is_file():
            return path
    return None


# the start of a line that begins an import statement (after any indentation)
_IMPORT_START = re.compile(r"^[ \t]*(?:from[ \t]+[.\w]+[ \t]+import\b|import[ \t]+[\w.])", re.M)


def import_statements(source: str):
    """The import statements of a module's source at any depth, as `ast` nodes.

    Only the statements are parsed, not the file: each line that starts (after indentation)
    with `from … import` or `import …` is cut out with its parenthesized or backslashed
    continuation and parsed alone. Parsing whole files was most of a small run's fixed cost
    (0.08 s for a study's ~60 modules; this takes a tenth of that). The result is a superset
    of the file's imports: a docstring line that reads like an import counts too (its module
    then joins the fingerprint: a needless rerun at worst, never a missed change), and a
    fragment that does not parse is prose and is skipped. Imports after `;` or `:` on one
    line are not found; riskscope's sources have none (a test compares with `ast.walk`)."""
    for match in _IMPORT_START.finditer(source):
        start = match.start()
        end = source.find("\n", start)
        end = len(source) if end < 0 else end
        line = source[start:end]
        if "(" in line and ")" not in line[line.index("("):]:
            close = source.find(")", end)
            end = len(source) if close < 0 else close + 1
        else:
            while source[start:end].rstrip().endswith("\\") and end < len(source):
                following = source.find("\n", end + 1)
                end = len(source) if following < 0 else following
        try:
            tree = ast.parse(source[start:end].strip())
        except SyntaxError:
            continue
        yield from (node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))


def _imports(name: str, path: Path) -> set[str]:
    """riskscope modules named by the import statements of the module `name` at `path`."""
    try:
        source = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in import_statements(source):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)  # `from pkg import module`
    return {m for m in found if m == _ROOT_PACKAGE or m.startswith(_ROOT_PACKAGE + ".")}


@cache
def module_closure(name: str) -> tuple[str, ...]:
    """`name` and every riskscope module it imports, transitively, sorted."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        path = _module_file(current)
        if path is None:
            continue
        seen.add(current)
        todo.extend(_imports(current, path) - seen)
    return tuple(sorted(seen))


@cache
def source_sha256(modules: tuple[str, ...]) -> str:
    """sha256 over (module name, source bytes) of each module, in the given order; a module
    that cannot be found now contributes its name and a marker, so its loss changes the hash."""
    digest = hashlib.sha256()
    for name in modules:
        path = _module_file(name)
        digest.update(name.encode() + b"\0")
        try:
            digest.update(path.read_bytes() if path else b"<missing>")
        except OSError:
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()


@cache
def package_fingerprint() -> dict:
    """{riskscope, git_revision, git_dirty, package_sha256} of the installed package."""
    root = _package_dir()
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    revision, dirty = _git_state()
    return {"riskscope": _version(), "git_revision": revision, "git_dirty": dirty,
            "package_sha256": digest.hexdigest()}


def code_fingerprint(module: str) -> dict:
    """The fingerprint one trial of the study defined in `module` records (see module doc)."""
    modules = module_closure(module)
    revision, dirty = _git_state()
    return {"riskscope": _version(), "git_revision": revision, "git_dirty": dirty,
            "module": module, "modules": list(modules), "source_sha256": source_sha256(modules)}


def is_current(fingerprint: dict | None) -> bool | None:
    """Whether the code a stored fingerprint describes is unchanged here and now: the same
    hash over the same modules' current sources. None when there is no usable fingerprint."""
    if not isinstance(fingerprint, dict):
        return None
    modules, recorded = fingerprint.get("modules"), fingerprint.get("source_sha256")
    if not isinstance(modules, list) or not isinstance(recorded, str) or \
            not all(isinstance(m, str) for m in modules):
        return None
    return source_sha256(tuple(modules)) == recorded
