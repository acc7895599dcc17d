"""Complexity probes of a trained network: weight norms, the spectral norm of linear and
convolutional layers, the path norm, output margins, and the forward-order chain of weight
layers the norm-based bounds need (forward_chain). Biases are ignored by the norm-based
quantities, as in the papers; see each module for its definition and conventions."""

from riskscope.probes.complexity.data_input import as_dataset
from riskscope.probes.complexity.forward_chain import (
    ForwardChain,
    chain_limitation,
    forward_chain,
)
from riskscope.probes.complexity.functional import batched_forward, parameter_dict
from riskscope.probes.complexity.layers import WeightLayer, weight_layers
from riskscope.probes.complexity.margins import margin_quantile, output_margins
from riskscope.probes.complexity.norms import LayerNorms, layer_norms
from riskscope.probes.complexity.path_norm import path_norm
from riskscope.probes.complexity.spectral import (
    conv_spectral_norm_fft,
    layer_spectral_norm,
    operator_spectral_norm,
)

__all__ = [
    "ForwardChain",
    "LayerNorms",
    "WeightLayer",
    "as_dataset",
    "batched_forward",
    "chain_limitation",
    "conv_spectral_norm_fft",
    "forward_chain",
    "layer_norms",
    "layer_spectral_norm",
    "margin_quantile",
    "operator_spectral_norm",
    "output_margins",
    "parameter_dict",
    "path_norm",
    "weight_layers",
]
