"""Cards of the built-in studies: names, descriptions, declared results, report figures, and
where each study's code lives. Pure data (no torch, pandas or cvxpy), so `riskscope studies`
and `riskscope describe` answer without importing any study code."""

from riskscope.studies.cards import (
    certified_optimum,
    convergence,
    decomposition,
    double_descent,
    edge_of_stability,
    feature_vs_kernel,
    grokking,
    lazy_vs_rich,
    measures,
    neural_collapse,
    pac_bayes,
    random_labels,
    single_index,
    sparse_parity,
    train,
    weight_spectra,
)

BUILTIN_CARDS = tuple(m.CARD for m in (
    certified_optimum, convergence, decomposition, double_descent, edge_of_stability,
    feature_vs_kernel, grokking, lazy_vs_rich, measures, neural_collapse, pac_bayes, random_labels,
    single_index, sparse_parity, train, weight_spectra))

__all__ = ["BUILTIN_CARDS"]
