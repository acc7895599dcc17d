"""Feature-learning probes: Fourier gap on the cube, subspace alignment, weight movement,
activation sparsity, effective rank, neural collapse (and the readout pair it is measured
on). None of them trains."""

from riskscope.probes.features.fourier import (
    FourierGap,
    fourier_gap,
    logit_difference,
    subset_index,
    walsh_hadamard,
)
from riskscope.probes.features.last_layer import readout_features, readout_parameters
from riskscope.probes.features.neural_collapse import NeuralCollapse, neural_collapse
from riskscope.probes.features.representation import (
    ActivationSparsity,
    activation_sparsity,
    effective_rank,
)
from riskscope.probes.features.weights import (
    SubspaceAlignment,
    WeightMovement,
    subspace_alignment,
    weight_movement,
)

__all__ = [
    "ActivationSparsity",
    "FourierGap",
    "NeuralCollapse",
    "SubspaceAlignment",
    "WeightMovement",
    "activation_sparsity",
    "effective_rank",
    "fourier_gap",
    "logit_difference",
    "neural_collapse",
    "readout_features",
    "readout_parameters",
    "subset_index",
    "subspace_alignment",
    "walsh_hadamard",
    "weight_movement",
]
