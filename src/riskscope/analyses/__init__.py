"""Analyses: combine probes into theory-level results (decompositions, bounds, rate fits)."""
