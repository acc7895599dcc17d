"""Bad input and the pitfalls of public implementations (REFERENCES.md, Curvature)."""

import warnings

import pytest
import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.models import MLPEnsemble, MLPSpec
from riskscope.probes.estimators import (
    hutchinson_trace,
    hutchplusplus_trace,
    lanczos_top_eigenvalues,
    slq_spectral_density,
)
from riskscope.probes.kernels import empirical_ntk
from riskscope.probes.linops import CurvatureModeWarning, GGNOperator, HessianOperator
from riskscope.testing.dense_curvature import dense_hessian

from .conftest import regression_data, tiny_mlp

pytestmark = pytest.mark.usefixtures("single_thread")


def _with_dropout_and_batchnorm():
    return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Tanh(), nn.Dropout(0.3),
                         nn.Linear(6, 3)).double()


def test_training_mode_warns_naming_the_layers_and_is_not_switched():
    model = _with_dropout_and_batchnorm().train()
    x, y = regression_data()
    with pytest.warns(CurvatureModeWarning, match=r"1 \(BatchNorm1d\).*3 \(Dropout\)"):
        HessianOperator(model, (x, y), "squared_error", check_deterministic=False)
    assert model.training and all(m.training for m in model.modules())
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        HessianOperator(model, (x, y), "squared_error")
        empirical_ntk(model, x)
    assert not model.training


def test_nondeterministic_loss_is_a_clear_error_with_an_opt_out():
    model = nn.Sequential(nn.Linear(4, 6), nn.Dropout(0.5), nn.Linear(6, 3)).double().train()
    x, y = regression_data()
    with pytest.warns(CurvatureModeWarning), \
            pytest.raises(SpecError, match=r"loss: .*check_deterministic=False"):
        HessianOperator(model, (x, y), "squared_error")
    with pytest.warns(CurvatureModeWarning):
        op = GGNOperator(model, (x, y), "squared_error", check_deterministic=False)
    assert op.shape[0] == sum(p.numel() for p in model.parameters())


def test_frozen_parameters_are_excluded_without_crashing():
    """Pitfall: parameters with requires_grad=False (grad None) crashing the products."""
    model = tiny_mlp()
    model[2].weight.requires_grad_(False)
    model[4].bias.requires_grad_(False)
    x, y = regression_data()
    op = HessianOperator(model, (x, y), "squared_error")
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert op.shape == (trainable, trainable)
    dense = dense_hessian(model, x, y, op.loss_fn)
    v = torch.randn(trainable, 2, dtype=torch.float64)
    assert torch.allclose(op @ v, dense @ v, atol=1e-10)
    top = lanczos_top_eigenvalues(op, 2)
    assert torch.allclose(top.eigenvalues, torch.linalg.eigvalsh(dense).flip(0)[:2], atol=1e-8)


def test_a_parameter_the_loss_does_not_use_is_fine():
    model = tiny_mlp()
    model.register_parameter("unused", nn.Parameter(torch.zeros(3, dtype=torch.float64)))
    x, y = regression_data()
    op = HessianOperator(model, (x, y), "squared_error")
    pieces = op.split(op.matvec(torch.ones(op.shape[0], dtype=torch.float64)))
    index = next(k for k, p in enumerate(op.params) if p is model.unused)
    assert torch.all(pieces[index] == 0)
    assert op.gradient().shape == (op.shape[0],)


def test_estimators_use_no_deprecated_or_removed_apis():
    """Pitfall: a removed `torch.eig`. Every estimator runs with warnings as errors."""
    model = tiny_mlp()
    x, y = regression_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        op = HessianOperator(model, (x, y), "squared_error")
        lanczos_top_eigenvalues(op, 2)
        hutchinson_trace(op, 4)
        hutchplusplus_trace(op, 6)
        slq_spectral_density(op, 1, 5)


def test_wrong_inputs_get_one_clear_message():
    model = tiny_mlp()
    x, y = regression_data()
    op = HessianOperator(model, (x, y), "squared_error")
    n = op.shape[0]
    with pytest.raises(SpecError, match=rf"k: got {n + 1}.*dimension {n}"):
        lanczos_top_eigenvalues(op, n + 1)
    with pytest.raises(SpecError, match=r"ensemble\.member"):
        HessianOperator(MLPEnsemble(MLPSpec(input_dim=4, output_dim=3, width=4, depth=1), 2),
                        (x.float(), y.float()))
    frozen = tiny_mlp().requires_grad_(False)
    with pytest.raises(SpecError, match="no trainable parameters"):
        HessianOperator(frozen, (x, y))
    with pytest.raises(SpecError, match="loss"):
        HessianOperator(model, (x, y), "hinge")
    with pytest.raises(SpecError, match=r"y\.shape"):
        HessianOperator(model, (x, y[:, :2]), "squared_error")
    with pytest.raises(SpecError, match="data"):
        HessianOperator(model, x)
    with pytest.raises(SpecError, match=r"v\.shape"):
        op.matvec(torch.ones(n + 1, dtype=torch.float64))
