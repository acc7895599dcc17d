"""The report's tables — per-combination summary, decomposition, fitted exponents — as data
(`Table`: header and formatted rows, shared by HTML and LaTeX) and as files (CSV with raw
numbers, LaTeX with `mean [ci_low, ci_high]` cells).

Summary rows: one per combination of the swept parameters, the mean over the finished trials'
seeds and its 95% interval (`run_summary`, `report.intervals`: the Student-t interval cut to the
declared range, or the stored Monte-Carlo interval of a quantity shared by all seeds). The
first table holds the run's headline results (`ReportData.results`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskscope.report import latex
from riskscope.report.fits import ExponentFits
from riskscope.report.formatting import exponent, exponent_ci, num, param, with_ci
from riskscope.report.report_data import COMPONENTS, ReportData


@dataclass
class Table:
    name: str
    caption: str
    columns: list[str]
    rows: list[list[str]]
    frame: pd.DataFrame  # raw numbers for the CSV
    latex_caption: str | None = None  # the caption as LaTeX, when it needs math

    def latex(self, run_id: str) -> str:
        caption = self.latex_caption or latex.escape(self.caption)
        return latex.table(self.columns, self.rows, f"{caption} ({latex.escape(run_id)})",
                           f"tab:{run_id}:{self.name}")


def _n_cell(row: dict) -> str:
    return f"{row['n']} ({row['diverged']} div.)" if row["diverged"] else str(row["n"])


def results_table(data: ReportData, name: str, results: list[str], caption: str) -> Table:
    summary = data.summary
    rows, records = [], []
    for row in summary["summary"]:
        cells = [param(row["params"].get(p)) for p in data.varying] + [_n_cell(row)]
        record = {**row["params"], "n": row["n"], "diverged": row["diverged"]}
        for result in results:
            s = row["results"].get(result) or {}
            cells.append(with_ci(s.get("mean"), s.get("ci_low"), s.get("ci_high"),
                                 informative=s.get("ci_informative", True)))
            for key in ("mean", "ci_low", "ci_high", "std", "n", "ci_method"):
                record[f"{result}_{key}"] = s.get(key)
        rows.append(cells)
        records.append(record)
    return Table(name, caption, [*data.varying, "n", *results], rows, pd.DataFrame(records))


def summary_tables(data: ReportData) -> list[Table]:
    """The headline results; the decomposition when stored; every numeric result."""
    ci = "mean over seeds [95% CI]"
    tables = [results_table(data, "summary", data.results, f"Headline results, {ci}")]
    if data.has_decomposition:
        names = ["excess_risk", *COMPONENTS]
        tables.append(results_table(data, "decomposition", names,
                                    f"Excess risk and its decomposition, {ci}"))
    every = sorted({k for r in data.summary["summary"] for k, v in r["results"].items()
                    if v["mean"] is not None})
    tables.append(results_table(data, "all_results", every, f"All numeric results, {ci}"))
    return tables


def exponents_table(fits: ExponentFits) -> Table:
    columns = ["result", "parameter", "fixed", "exponent α [95% CI]", "prefactor C [95% CI]",
               "points", "predicted α", "verdict"]
    rows, records = [], []
    for r in fits.rows:
        f = r.fit
        dropped = f" ({f.n_dropped} dropped)" if f.n_dropped else ""
        rows.append([r.result, r.param, r.fixed_label,
                     exponent_ci(f.exponent, *f.exponent_ci),
                     with_ci(f.prefactor, *f.prefactor_ci), f"{f.n_points}{dropped}",
                     exponent(r.predicted) if r.predicted is not None else "–",
                     r.verdict or "–"])
        records.append({"result": r.result, "parameter": r.param, "fixed": r.fixed_label,
                        "exponent": f.exponent, "exponent_ci_low": f.exponent_ci[0],
                        "exponent_ci_high": f.exponent_ci[1], "prefactor": f.prefactor,
                        "prefactor_ci_low": f.prefactor_ci[0],
                        "prefactor_ci_high": f.prefactor_ci[1], "n_points": f.n_points,
                        "n_dropped": f.n_dropped, "n_x": f.n_x, "confidence": f.confidence,
                        "n_resamples": f.n_resamples, "method": f.method,
                        "predicted": r.predicted, "verdict": r.verdict})
    frame = pd.DataFrame(records, columns=[
        "result", "parameter", "fixed", "exponent", "exponent_ci_low", "exponent_ci_high",
        "prefactor", "prefactor_ci_low", "prefactor_ci_high", "n_points", "n_dropped", "n_x",
        "confidence", "n_resamples", "method", "predicted", "verdict"])
    return Table("exponents", "Power-law fits y = C·x^α (log–log least squares over trials, "
                 "bootstrap 95% CI)", columns, rows, frame,
                 r"Power-law fits $y = C x^{\alpha}$ (log--log least squares over trials, "
                 r"bootstrap 95\% CI)")


def write_tables(tables: list[Table], directory: Path, run_id: str) -> list[Path]:
    """`<name>.csv` and `<name>.tex` for every table; the paths written."""
    paths = []
    for t in tables:
        csv, tex = directory / f"{t.name}.csv", directory / f"{t.name}.tex"
        t.frame.to_csv(csv, index=False)
        tex.write_text(t.latex(run_id), encoding="utf-8")
        paths += [csv, tex]
    return paths


def prerequisites_table(data: ReportData, max_results: int = 6) -> Table | None:
    """The run's other trials (e.g. best-in-class runs): swept parameters and their results."""
    frame = data.prerequisites
    if not len(frame):
        return None
    params = [p for p in data.varying if p in frame.columns]
    results = [c for c in frame.columns if c.startswith("result.")
               and pd.api.types.is_numeric_dtype(frame[c]) and frame[c].notna().any()
               and not c.endswith(("_ci_low", "_ci_high"))][:max_results]
    rows = []
    for _, t in frame.iterrows():
        rows.append([t["trial_hash"][:12], t["status"], *(param(t[p]) for p in params),
                     *(num(t[c]) for c in results)])
    columns = ["trial", "status", *params, *(c.removeprefix("result.") for c in results)]
    return Table("prerequisites", "Prerequisite trials (used by the main trials)", columns,
                 rows, frame[["trial_hash", "status", *params, *results]])
