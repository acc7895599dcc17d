"""Terminal tables for `ls`, `studies` and `show`."""

from __future__ import annotations

import datetime as dt

from rich.table import Table


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def runs_table(runs: list[dict]) -> Table:
    """One row per run (the dicts of `Store.run_rows`)."""
    table = Table(title="runs")
    for col in ("run_id", "study", "preset", "status", "created", "trials", "finished",
                "diverged", "failed"):
        table.add_column(col)
    for r in runs:
        created = dt.datetime.fromtimestamp(r["created_at"]).strftime("%Y-%m-%d %H:%M")
        table.add_row(r["run_id"], r["study"], _fmt(r["preset"]), r["status"], created,
                      str(r["n_trials"]), str(r["n_finished"]), str(r["n_diverged"]),
                      str(r["n_failed"]))
    return table


def headline_columns(summary: dict) -> list[str]:
    """The run's headline results, those with a value: declared with the run; for a run
    stored before declarations, those its built-in study declares today (its card; no study
    code imported), else `summary["headline"]` (chosen from what is stored)."""
    present = {k for r in summary["summary"] for k, v in r["results"].items()
               if v["mean"] is not None}
    if not summary.get("declaration"):
        from riskscope.core.errors import SpecError
        from riskscope.studies.registry import study_declaration

        try:
            declared = study_declaration(str(summary.get("study")))
        except SpecError:
            declared = None
        if declared is not None:
            names = [p for r in declared.headline() for p in sorted(present) if r.matches(p)]
            if names:
                return list(dict.fromkeys(names))
    return [c for c in summary.get("headline") or [] if c in present]


def summary_table(summary: dict, columns: list[str]) -> Table:
    """Means over seeds with 95% CIs, one row per combination of the swept parameters."""
    table = Table(title=f"{summary['run_id']}: mean over seeds [95% CI]")
    for name in summary["varying"]:
        table.add_column(name)
    table.add_column("n")
    for col in columns:
        table.add_column(col)
    for row in summary["summary"]:
        cells = [_fmt(row["params"][c]) for c in summary["varying"]]
        n = str(row["n"]) + (f" ({row['diverged']} div.)" if row["diverged"] else "")
        cells.append(n)
        for col in columns:
            s = row["results"].get(col)
            if not s or s["mean"] is None:
                cells.append("–")
            elif s["ci_low"] is None:
                cells.append(_fmt(s["mean"]))
            elif s.get("ci_informative") is False:
                cells.append(f"{s['mean']:.4g} (interval not informative)")
            else:
                cells.append(f"{s['mean']:.4g} [{s['ci_low']:.3g}, {s['ci_high']:.3g}]")
        table.add_row(*cells)
    return table
