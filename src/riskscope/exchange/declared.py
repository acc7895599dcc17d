"""The result declaration of a run as exchange reads it: the stored one, else one derived from
the names the run's trials actually hold (a run stored before declarations).

A derived declaration lists every numeric scalar result (kind "scalar", no range, not headline)
but the bounds of another result's interval (`x_ci_low`, `x_ci_high`), and every series name
(kind "series"); bookkeeping results measuring time (names ending in
`wall_s`, `time_s`, `duration_s`, or starting `seconds_`) are left out, since they differ
between any two executions (`riskscope.store.provenance.is_timing_result`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from riskscope.core.declared_results import DeclaredResult, ResultDeclaration
from riskscope.store.provenance import is_timing_result


def is_timing(name: str) -> bool:
    """True for results that measure elapsed time (never expected to reproduce)."""
    return is_timing_result(name)


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_interval_bound(name: str, names: Iterable[str]) -> bool:
    """`x_ci_low` / `x_ci_high` when `x` is also a result: a bound of x's own interval."""
    for suffix in ("_ci_low", "_ci_high"):
        if name.endswith(suffix) and name[: -len(suffix)] in names:
            return True
    return False


def derive_declaration(results: Iterable[dict], series_names: Iterable[str]
                       ) -> ResultDeclaration:
    """Scalar results that are numbers in at least one trial (not timing, not the bounds of
    another result's interval), and the series names, sorted."""
    scalars: set[str] = set()
    for result in results:
        scalars.update(k for k, v in result.items() if is_number(v) and not is_timing(k))
    scalars = {k for k in scalars if not is_interval_bound(k, scalars)}
    declared = [DeclaredResult(name, "", "scalar") for name in sorted(scalars)]
    declared += [DeclaredResult(name, "", "series") for name in sorted(set(series_names))
                 if name not in scalars]
    return ResultDeclaration(tuple(declared))


def stored_declaration(info: dict | None) -> ResultDeclaration | None:
    """The declaration stored in a run's info, or None if it has none."""
    data = (info or {}).get("declaration")
    return ResultDeclaration.from_json(data) if data else None


def scalar_names(declaration: ResultDeclaration, results: Iterable[dict]) -> list[str]:
    """The declared scalar results present in `results` (families `prefix*` expanded), in
    declaration order, timing results left out."""
    present: list[str] = []
    seen = sorted({k for r in results for k, v in r.items() if is_number(v)})
    for entry in declaration.results:
        if entry.kind != "scalar":
            continue
        present += [n for n in seen if entry.matches(n) and n not in present
                    and not is_timing(n)]
    return present


def finite(value) -> bool:
    return is_number(value) and math.isfinite(value)


__all__ = ["derive_declaration", "finite", "is_interval_bound", "is_number", "is_timing",
           "scalar_names",
           "stored_declaration"]
