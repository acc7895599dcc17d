"""Feature-learning analyses: learning time and abruptness, scaling fits, sample complexity,
kernel baselines (NTK regression, random features) on sparse targets, the terminal phase
of training (neural collapse)."""

from riskscope.analyses.features.kernel_baselines import (
    ntk_regression,
    random_features,
    random_features_regression,
    squared_error,
    zero_one_error,
)
from riskscope.analyses.features.learning_time import (
    LearningTransition,
    first_crossing,
    learning_transition,
)
from riskscope.analyses.features.scaling import (
    SampleComplexityPoint,
    StepsToLearnFit,
    fit_steps_to_learn,
    sample_complexity_curve,
    samples_to_reach,
)
from riskscope.analyses.features.terminal_phase import TerminalPhase, terminal_phase

__all__ = [
    "LearningTransition",
    "SampleComplexityPoint",
    "StepsToLearnFit",
    "TerminalPhase",
    "first_crossing",
    "fit_steps_to_learn",
    "learning_transition",
    "ntk_regression",
    "random_features",
    "random_features_regression",
    "sample_complexity_curve",
    "samples_to_reach",
    "squared_error",
    "terminal_phase",
    "zero_one_error",
]
