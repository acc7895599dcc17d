"""The one-call API for any nn.Module and data form."""

import copy

import pytest
import torch
from torch import nn

from riskscope.analyses.bounds import PacBayesCertificate
from riskscope.core.errors import SpecError
from riskscope.procedures import certify_network, pac_bayes_certificate
from riskscope.procedures import network_certificate as module
from riskscope.tasks.base import Dataset

FAST = dict(posterior_steps=5, prior_steps=5, weight_samples=16, test_weight_samples=4,
            prior_sigmas=[0.01, 0.03])


def data(n=60, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 8, generator=g)
    y = (x.sum((1, 2)) > 0).long()
    return x, y


def cnn():
    torch.manual_seed(0)  # test-only
    return nn.Sequential(nn.Conv1d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 2))


def test_data_dependent_certificate_with_a_dataloader_and_test_set():
    model = cnn()
    init = copy.deepcopy(model)
    x, y = data()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)
    cert = pac_bayes_certificate(model, loader, init=init, test_data=data(30, 1), **FAST)
    assert isinstance(cert, PacBayesCertificate)
    assert cert.bound_set_size == 30 and cert.prior == "data-dependent"
    assert cert.prior_grid_size == 2 and cert.delta_per_prior == pytest.approx(0.0125)
    assert 0 <= cert.stochastic_test_error <= 1 and 0 <= cert.deterministic_test_error <= 1
    assert cert.stochastic_test_error_ci_low <= cert.stochastic_test_error \
        <= cert.stochastic_test_error_ci_high
    assert cert.deterministic_test_error_ci_low <= cert.deterministic_test_error \
        <= cert.deterministic_test_error_ci_high
    assert cert.zero_one.empirical_risk_mc <= cert.zero_one.risk_bound <= 1


def test_data_free_certificate_uses_all_data_and_accepts_pairs_and_datasets():
    model = cnn()
    x, y = data()
    result = certify_network(model, (x, y), init=model.state_dict(), prior="data-free", **FAST)
    assert result.certificate.bound_set_size == 60
    assert len(result.all_certificates) == 2
    assert result.certificate.zero_one.risk_bound == min(
        c.zero_one.risk_bound for c in result.all_certificates)
    # chosen on their own samples: the sampling step is union-bounded over the grid too
    assert all(c.mc_choices == 2 and c.delta_mc_per_choice == pytest.approx(0.005)
               for c in result.all_certificates)
    cert = pac_bayes_certificate(model, Dataset(x, y), init=model, prior="data-free", **FAST)
    assert cert.bound_set_size == 60


def test_bad_input_is_refused_before_any_training(monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained before the arguments were checked")

    monkeypatch.setattr(module, "train_prior_mean", no_training)
    monkeypatch.setattr(module, "train_posterior", no_training)
    model, (x, y) = cnn(), data()
    cases = [
        (dict(delta=1.5), "delta"),
        (dict(delta_mc=0.0), "delta_mc"),
        (dict(prior_sigmas=[]), "prior_sigmas"),
        (dict(p_min=0.0), "p_min"),
        (dict(prior_fraction=1.0), "prior_fraction"),
        (dict(objective="mcallister"), "objective"),
    ]
    for kwargs, field in cases:
        with pytest.raises(SpecError, match=field):
            pac_bayes_certificate(model, (x, y), init=model, **kwargs)
    with pytest.raises(SpecError, match="init"):
        pac_bayes_certificate(model, (x, y), init=None)
    with pytest.raises(SpecError, match="init"):
        pac_bayes_certificate(model, (x, y), init={"0.weight": torch.zeros(1)})
    with pytest.raises(SpecError, match="data"):
        pac_bayes_certificate(model, (x[:0], y[:0]), init=model)
    with pytest.raises(SpecError, match=r"\(y\)"):
        pac_bayes_certificate(model, (x, y.float()), init=model)


def test_batch_norm_is_refused_and_named():
    model = nn.Sequential(nn.Linear(8, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    x = torch.randn(10, 8)
    with pytest.raises(SpecError, match=r"model\.1.*BatchNorm1d"):
        pac_bayes_certificate(model, (x, torch.zeros(10, dtype=torch.long)), init=model)


def test_prior_scale_chosen_on_pilots_then_certified_with_fresh_samples():
    model = cnn()
    x, y = data()
    result = certify_network(model, (x, y), init=model, prior="data-free",
                             **{**FAST, "selection_weight_samples": 8, "weight_samples": 20})
    pilots = result.all_certificates
    assert [c.num_weight_samples for c in pilots] == [8, 8]
    chosen = min(pilots, key=lambda c: c.zero_one.risk_bound)
    assert result.certificate.num_weight_samples == 20
    assert result.certificate.prior_sigma == chosen.prior_sigma
    assert result.certificate.prior_grid_size == 2  # the union bound still covers the grid
    # fresh samples after the choice: the final sampling step keeps the whole δ′
    assert result.certificate.mc_choices == 1 and result.certificate.delta_mc_per_choice == 0.01
    assert pilots[0].prior_sigma != pilots[1].prior_sigma  # one pilot per grid point
