"""Complexity measures of trained networks (Jiang et al. 2020) and their scores over a model
zoo: Kendall τ, granulated Kendall Ψ, conditional mutual information (PGDL)."""

from riskscope.analyses.measures.api import (
    MEASURE_SCALING,
    MEASURES,
    complexity_measures,
    scale_measure,
)
from riskscope.analyses.measures.cmi import cmi_score, conditional_mutual_information
from riskscope.analyses.measures.kendall import granulated_kendall, kendall_tau
from riskscope.analyses.measures.norm_measures import CHAIN_MEASURES, layer_measures_unavailable
from riskscope.analyses.measures.score_table import plot_measure_scores, score_measures
from riskscope.analyses.measures.settings import MeasureSettings

__all__ = [
    "CHAIN_MEASURES",
    "MEASURES",
    "MEASURE_SCALING",
    "MeasureSettings",
    "cmi_score",
    "complexity_measures",
    "conditional_mutual_information",
    "granulated_kendall",
    "kendall_tau",
    "layer_measures_unavailable",
    "plot_measure_scores",
    "scale_measure",
    "score_measures",
]
