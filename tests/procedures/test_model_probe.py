"""`probe_model`: each row equals the library function it wraps; regression models get the
curvature, kernel and spectra rows and are refused the classifier-only ones."""

import pytest
import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.probes.curvature_api import hessian_top_eigenvalues, hessian_trace
from riskscope.probes.kernels.empirical_ntk import empirical_ntk
from riskscope.procedures.model_probe import check_model_on_data, probe_model
from riskscope.tasks.base import Dataset


def regression_problem():
    g = torch.Generator().manual_seed(5)
    net = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2)).double()
    x = torch.randn(40, 3, generator=g, dtype=torch.float64)
    y = torch.randn(40, 2, generator=g, dtype=torch.float64)
    return net, x, y


def test_regression_rows_equal_the_library():
    net, x, y = regression_problem()
    result = probe_model(net, (x, y), measures=["hessian", "trace", "ntk", "spectra"], k=2,
                         ntk_examples=10)
    assert result.task_kind == "regression"
    top = hessian_top_eigenvalues(net, (x, y), k=2, loss="squared_error").values()
    assert result.value("hessian", "lambda_1") == pytest.approx(top[0])
    assert result.value("hessian", "lambda_2") == pytest.approx(top[1])
    trace = hessian_trace(net, (x, y), loss="squared_error", num_products=60)
    assert result.value("trace", "hessian_trace") == pytest.approx(trace.value)
    eig = torch.linalg.eigvalsh(empirical_ntk(net, x[:10], mode="trace"))
    assert result.value("ntk", "lambda_max") == pytest.approx(float(eig[-1]))
    assert result.value("ntk", "lambda_min") == pytest.approx(float(eig[0]))
    assert set(result.timings) == {"hessian", "trace", "ntk", "spectra"}
    assert result.as_dict()["results"]["spectra"]["layers_fitted"] == 0   # 3 and 2 eigenvalues


def test_classifier_only_measures_are_refused_for_regression():
    net, x, y = regression_problem()
    with pytest.raises(SpecError, match="certificate"):
        probe_model(net, (x, y), measures=["certificate"])
    with pytest.raises(SpecError, match="nope"):
        probe_model(net, (x, y), measures=["nope"])


def test_shape_checks_name_the_shapes():
    net, x, y = regression_problem()
    with pytest.raises(SpecError, match=r"output shape \(2,\)"):
        check_model_on_data(net, Dataset(x, y[:, :1].squeeze(1) + 0.5))
    with pytest.raises(SpecError, match=r"\(4,\)"):
        check_model_on_data(net, Dataset(torch.randn(5, 4, dtype=torch.float64), y[:5]))
    clf = nn.Linear(3, 4).double()
    with pytest.raises(SpecError, match="4 outputs"):
        check_model_on_data(clf, Dataset(x, torch.full((40,), 7)))
    assert check_model_on_data(clf, Dataset(x, torch.arange(40) % 4)) == "classification"


def test_measures_of_a_residual_net_say_which_are_not_available():
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.first, self.block, self.head = (nn.Linear(4, 8), nn.Linear(8, 8),
                                                 nn.Linear(8, 3))

        def forward(self, x):
            h = torch.relu(self.first(x))
            return self.head(h + torch.relu(self.block(h)))

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(40, 4, generator=g), torch.randint(0, 3, (40,), generator=g)
    result = probe_model(Residual(), (x, y), measures=["measures"])
    assert len(result.limitations) == 1
    assert "log_spectral_product" in result.limitations[0] and "`add`" in result.limitations[0]
    assert result.as_dict()["limitations"] == result.limitations
    names = {q for g, q, _, _ in result.rows}
    assert "frobenius_distance_from_init" not in names  # no init given: NaN, left out
    assert "log_spectral_product" not in names and "parameter_norm" in names
    chain = probe_model(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)), (x, y),
                        measures=["measures"])
    assert chain.limitations == [] and "log_spectral_product" in {q for _, q, _, _ in chain.rows}
