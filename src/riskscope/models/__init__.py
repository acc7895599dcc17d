"""Model families and their ensemble (batched) form (see `families` for the list)."""

from riskscope.models.cnn import CNNSpec, ConvNet
from riskscope.models.custom import CustomSpec
from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.families import (
    FAMILIES,
    FAMILY_PARAMS,
    build_ensemble,
    build_member,
    family_of,
    model_spec,
    validate_model_section,
)
from riskscope.models.functional_ensemble import FunctionalEnsemble
from riskscope.models.linear_net import LinearNet, LinearSpec
from riskscope.models.mlp import MLP, ScaledLinear, sample_mlp_parameters
from riskscope.models.mlp_spec import MLPSpec
from riskscope.models.random_features_net import RandomFeaturesNet, RandomFeaturesSpec
from riskscope.models.resnet import ResNet, ResNetSpec
from riskscope.models.stacked_ensemble import StackedEnsemble
from riskscope.models.transformer import Transformer, TransformerFamilySpec

__all__ = ["FAMILIES", "FAMILY_PARAMS", "MLP", "CNNSpec", "ConvNet", "CustomSpec",
           "FunctionalEnsemble", "LinearNet", "LinearSpec", "MLPEnsemble", "MLPSpec",
           "RandomFeaturesNet",
           "RandomFeaturesSpec", "ResNet", "ResNetSpec", "ScaledLinear", "StackedEnsemble",
           "Transformer", "TransformerFamilySpec", "build_ensemble", "build_member",
           "family_of", "model_spec", "sample_mlp_parameters", "validate_model_section"]
