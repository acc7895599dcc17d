"""What a report knows of a run's results, read from the run record in the store.

The run's info holds the study's declaration (`"declaration"`, written by the runner at run
start): result names, meanings, ranges, headline flags and the report's figures. The report
never imports the study registry. A run stored before declarations has none; then the names
come from what is stored (`result.<name>` columns, metric series) and the headline results
from the fallback rule below.

Fallback headline (no declaration): the risks and gaps of `PREFERRED` when at least two are
stored; otherwise those present and then the other numeric results that vary over the trials
(bookkeeping and per-trial interval bounds left out), `MAX_FALLBACK` at most.
"""

from __future__ import annotations

from riskscope.core.declared_results import ResultDeclaration
from riskscope.core.errors import SpecError

PREFERRED = ("excess_risk", "population_risk", "generalization_gap", "train_risk")
BOOKKEEPING = {"group_size", "group_wall_s", "num_parameters", "stop_step", "bayes_risk",
               "decomposition_residual", "wall_s", "diverged_at_step"}
CI_SUFFIXES = ("_ci_low", "_ci_high")
MAX_FALLBACK = 6


def run_declaration(run: dict) -> ResultDeclaration:
    """The declaration stored with `run` (a `Store.run` dict); empty when there is none or
    when it cannot be read (a report is still built, from what is stored)."""
    try:
        return ResultDeclaration.from_json((run.get("info") or {}).get("declaration"))
    except SpecError:
        return ResultDeclaration()


def is_declared(run: dict) -> bool:
    return bool(run_declaration(run).results)


def headline_results(declaration: ResultDeclaration, present: list[str],
                     varying: dict[str, bool] | None = None) -> list[str]:
    """The headline result names among `present` (stored numeric results), in declared
    order; a family (`steps_to_*`) contributes every present member. Without a declaration
    (or when no headline result was stored), the fallback rule of this module; `varying`
    (name -> takes more than one value) filters that rule's generic results."""
    names: list[str] = []
    for r in declaration.headline():
        names += [p for p in present if r.matches(p) and p not in names]
    if names:
        return names
    preferred = [n for n in PREFERRED if n in present]
    if len(preferred) >= 2:
        return preferred
    generic = [n for n in present if n not in BOOKKEEPING and n not in preferred
               and not n.endswith(CI_SUFFIXES) and (varying is None or varying.get(n, True))]
    return [*preferred, *generic][:MAX_FALLBACK]


__all__ = ["BOOKKEEPING", "PREFERRED", "headline_results", "is_declared", "run_declaration"]
