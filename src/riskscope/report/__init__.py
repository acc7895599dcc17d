"""Reports built from the store alone (never recomputing): the run summary behind `show`, and
`build_report`, the self-contained HTML report with figures (PNG/SVG/PDF) and tables
(CSV/LaTeX). `build_report` is imported lazily, so `show` does not load matplotlib."""

from riskscope.report.run_summary import run_summary

__all__ = ["build_report", "run_summary"]


def __getattr__(name: str):
    if name == "build_report":
        from riskscope.report.build import build_report

        return build_report
    raise AttributeError(f"module 'riskscope.report' has no attribute {name!r}")
