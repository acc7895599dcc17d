"""Procedures that train: the layer between analyses (which only combine measurements) and
studies. Every one trains through `riskscope.training.train_ensemble`, the one training path;
what they measure on the way is a recorder, and a different objective (a PAC-Bayes bound, one
plain module's loss) is a `TrainingObjective` passed to the trainer.
"""

from riskscope.procedures.best_in_class import BestInClass, estimate_best_in_class
from riskscope.procedures.collapse_tracking import CollapseRun, train_with_collapse
from riskscope.procedures.decomposition_api import DecompositionResult, decompose
from riskscope.procedures.decomposition_design import DesignDecomposition, decompose_design
from riskscope.procedures.gradient_descent import run_gradient_descent
from riskscope.procedures.hidden_progress import HiddenProgress, track_hidden_progress
from riskscope.procedures.network_certificate import (
    CertifiedPosterior,
    certify_network,
    fit_and_certify,
    pac_bayes_certificate,
)
from riskscope.procedures.posterior_training import PosteriorHistory, train_posterior
from riskscope.procedures.prior import split_for_prior, train_prior_mean
from riskscope.procedures.sharpness_tracking import track_sharpness

__all__ = ["BestInClass", "CertifiedPosterior", "CollapseRun", "DecompositionResult",
           "DesignDecomposition", "HiddenProgress", "PosteriorHistory", "certify_network",
           "decompose", "decompose_design", "estimate_best_in_class", "fit_and_certify",
           "pac_bayes_certificate", "run_gradient_descent", "split_for_prior",
           "track_hidden_progress", "track_sharpness", "train_posterior", "train_prior_mean",
           "train_with_collapse"]
