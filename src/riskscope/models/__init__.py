"""Model families and their ensemble (batched) form."""

from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.functional_ensemble import FunctionalEnsemble
from riskscope.models.mlp import MLP, ScaledLinear, sample_mlp_parameters
from riskscope.models.mlp_spec import MLPSpec

__all__ = ["MLP", "FunctionalEnsemble", "MLPEnsemble", "MLPSpec", "ScaledLinear",
           "sample_mlp_parameters"]
