"""Probes: measurements of a model on data. They never train."""

from riskscope.probes.population_risk import ensemble_population_risk

__all__ = ["ensemble_population_risk"]
