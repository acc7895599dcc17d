"""`StudyCard`: what is known about a study without importing its code.

A card holds the study's name, one-line description, declared results (`ResultDeclaration`),
the columns `riskscope run`/`show` print, and where its code lives (`"module:Class"`). The
built-in studies' cards live in `riskscope.studies.cards` (pure data: no torch, no pandas), so
listing and describing studies stays instant; the study module is imported only when the study
runs (`riskscope.studies.registry.get_study`).
"""

from __future__ import annotations

from dataclasses import dataclass

from riskscope.core.declared_results import DeclaredResult, ResultDeclaration


@dataclass(frozen=True)
class StudyCard:
    """name: registry name; description: one line; declaration: its results and figures;
    target: `"package.module:ClassName"` of the Study subclass (None for a study registered
    from a class, whose class is already loaded)."""

    name: str
    description: str
    declaration: ResultDeclaration
    target: str | None = None

    @property
    def summary_columns(self) -> tuple[str, ...]:
        """The headline results, in declared order: what `run`/`show` print first."""
        return tuple(r.name for r in self.declaration.headline())


def declaration(*results: DeclaredResult, report_figures: tuple[str, ...] = (),
                headline_figure: str | None = None) -> ResultDeclaration:
    """A `ResultDeclaration` from results given as arguments (the cards' shorthand)."""
    return ResultDeclaration(tuple(results), tuple(report_figures), headline_figure)


def scalar(name: str, meaning: str, low: float | None = None, high: float | None = None,
           unit: str = "", headline: bool = False) -> DeclaredResult:
    return DeclaredResult(name, meaning, "scalar", low, high, unit, headline)


def series(name: str, meaning: str, low: float | None = None, high: float | None = None,
           unit: str = "", headline: bool = False) -> DeclaredResult:
    return DeclaredResult(name, meaning, "series", low, high, unit, headline)


__all__ = ["StudyCard", "declaration", "scalar", "series"]
