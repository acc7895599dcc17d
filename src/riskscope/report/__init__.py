"""Reports built from the store alone (never recomputing)."""

from riskscope.report.run_summary import run_summary

__all__ = ["run_summary"]
