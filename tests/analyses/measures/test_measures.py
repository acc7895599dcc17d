"""Complexity measures: exact identities on tiny cases, the searches, the full set."""

import functools
import math

import numpy as np
import pytest
import torch
from torch import nn

from riskscope.analyses.measures import MEASURES, complexity_measures, scale_measure
from riskscope.analyses.measures.gradient_measures import fisher_rao_norm, gradient_noise
from riskscope.analyses.measures.perturbation import random_perturbation_scale, search_scale
from riskscope.analyses.measures.perturbation_measures import perturbation_measures
from riskscope.analyses.measures.speed import speed_measures, steps_to_loss
from riskscope.core.errors import SpecError
from riskscope.tasks.base import Dataset


@functools.cache
def problem(bias=True, seed=0, n=120):
    """A small ReLU net trained on a 3-class problem (cached: tests must not modify it)."""
    g = torch.Generator().manual_seed(seed)
    net = nn.Sequential(nn.Linear(4, 16, bias=bias), nn.ReLU(), nn.Linear(16, 3, bias=bias))
    init = nn.Sequential(nn.Linear(4, 16, bias=bias), nn.ReLU(), nn.Linear(16, 3, bias=bias))
    with torch.no_grad():
        for p, q in zip(net.parameters(), init.parameters()):
            q.copy_(torch.randn(p.shape, generator=g) * 0.5)
            p.copy_(q)
    x = torch.randn(n, 4, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(150):
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net, init, Dataset(x, y)


def test_fisher_rao_equals_the_homogeneous_form_for_bias_free_relu_nets():
    # f is positively homogeneous of degree 2 in w: ⟨w, ∇_w ℓ⟩ = 2 ⟨∂ℓ/∂f, f⟩ (Liang et al.)
    net, _, data = problem(bias=False)
    logits = net(data.x).detach().double()
    dl_df = torch.softmax(logits, 1) - nn.functional.one_hot(data.y, 3).double()
    expected = float((2 * (dl_df * logits).sum(1)).pow(2).mean())
    assert fisher_rao_norm(net, data) == pytest.approx(expected, rel=1e-5)


def test_gradient_noise_against_a_per_example_loop():
    net, _, data = problem()
    grads = []
    for i in range(len(data)):
        net.zero_grad()
        nn.functional.cross_entropy(net(data.x[i:i + 1]), data.y[i:i + 1]).backward()
        grads.append(torch.cat([p.grad.reshape(-1) for p in net.parameters()]).double())
    g = torch.stack(grads)
    expected = float((g - g.mean(0)).pow(2).sum(1).sum() / (len(data) - 1))
    assert gradient_noise(net, data, chunk=17) == pytest.approx(expected, rel=1e-6)


def test_steps_to_loss_interpolates_in_log_space():
    steps, losses = [0, 9, 99, 999], [2.0, 1.0, 0.01, 0.001]
    # between (9, 1.0) and (99, 0.01): halfway in ln loss is ln 0.1 → halfway in ln(1 + step)
    assert steps_to_loss(steps, losses, 0.1) == pytest.approx(math.sqrt(10 * 100) - 1)
    assert steps_to_loss(steps, losses, 0.01) == pytest.approx(99)
    assert math.isnan(steps_to_loss(steps, losses, 1e-5))
    out = speed_measures(steps, losses)
    assert out["steps_from_loss_0p1_to_0p01"] == pytest.approx(99 - (math.sqrt(1000) - 1))


def test_scale_search_finds_the_target_deviation():
    for root in (0.003, 0.2, 7.0):
        def deviation(s, root=root):
            return 0.1 * (s / root) ** 1.5
        s = search_scale(deviation, 0.1, 0.01, 40)
        assert abs(deviation(s) - 0.1) <= 0.01


def test_random_perturbation_drops_accuracy_by_the_target():
    net, _, data = problem()
    sigma = random_perturbation_scale(net, data, magnitude_aware=False, seed=1, draws=16)
    base = float((net(data.x).argmax(1) == data.y).double().mean())
    g = torch.Generator().manual_seed(123)  # fresh noise: the drop holds on average
    accs = []
    with torch.no_grad():
        for _ in range(64):
            noisy = [p + sigma * torch.randn(p.shape, generator=g) for p in net.parameters()]
            h = torch.relu(data.x @ noisy[0].T + noisy[1])
            accs.append(float(((h @ noisy[2].T + noisy[3]).argmax(1) == data.y).double()
                              .mean()))
    assert base - np.mean(accs) == pytest.approx(0.1, abs=0.03)


def test_magnitude_aware_pac_bayes_is_half_a_gaussian_kl():
    g = torch.Generator().manual_seed(0)
    w, w0 = torch.randn(50, generator=g, dtype=torch.float64), torch.randn(50, generator=g,
                                                                             dtype=torch.float64)
    scales = {"random": 0.1, "random_mag": 0.3, "worst": 0.05, "worst_mag": 0.2}
    out = perturbation_measures(w, w0, 1000, scales, eps=1e-3)
    delta = w - w0
    post_var = 1e-6 + 0.09 * delta**2
    prior_var = 1e-6 + (0.09 + 1) * float(delta.pow(2).mean())
    kl = torch.distributions.kl_divergence(
        torch.distributions.Normal(w, post_var.sqrt()),
        torch.distributions.Normal(w0, torch.full_like(w, prior_var).sqrt())).sum()
    assert out["pac_bayes_mag_init"] == pytest.approx(0.5 * float(kl) + math.log(1000 / 0.3)
                                                      + 10, rel=1e-10)
    assert out["pac_bayes_init"] == pytest.approx(float(delta.pow(2).sum()) / (4 * 0.01)
                                                  + math.log(1000 / 0.1) + 10)
    assert out["sharpness_flatness"] == pytest.approx(1 / 0.05**2)


def test_complexity_measures_returns_every_measure():
    net, init, data = problem()
    out = complexity_measures(net, data, init=init, training_curve=([0, 10, 100], [1.0, 0.05,
                                                                                  0.005]),
                              perturbation_draws=2, search_iterations=6, ascent_steps=2)
    assert set(MEASURES) <= set(out) and len(MEASURES) >= 20
    # the α measures need layers with >= 20 eigenvalues: this 4-16-3 net has none (NaN)
    fitted = [m for m in MEASURES if m not in ("mean_alpha", "mean_alpha_weighted")]
    assert all(math.isfinite(out[m]) for m in fitted), {m: out[m] for m in fitted}
    assert math.isnan(out["mean_alpha"]) and math.isfinite(out["mean_stable_rank"])
    assert out["num_parameters"] == sum(p.numel() for p in net.parameters())
    assert math.isfinite(scale_measure("log_spectral_product", out["log_spectral_product"],
                                       len(data)))
    none = complexity_measures(net, (data.x, data.y), init=None, perturbation=False)
    assert math.isnan(none["distance_from_init"]) and math.isnan(none["sharpness_flatness"])
    assert none["path_norm"] == pytest.approx(out["path_norm"])


def test_complexity_measures_bad_input():
    net, init, data = problem()
    with pytest.raises(SpecError, match="init"):
        complexity_measures(net, data, init={"0.weight": torch.zeros(2)})
    bn = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 3)).train()
    before = [b.clone() for b in bn.buffers()]
    measured = complexity_measures(bn, data, init=None, perturbation=False)
    assert measured["parameter_norm"] > 0 and math.isnan(measured["path_norm"])
    assert bn.training and all(torch.equal(a, b) for a, b in zip(before, bn.buffers()))
    with pytest.raises(SpecError, match=r"settings\.target_deviation"):
        complexity_measures(net, data, init=init, target_deviation=2.0)


def test_spectral_measures_average_the_layer_spectra():
    from riskscope.probes.spectra import weight_spectra

    g = torch.Generator().manual_seed(4)
    net = nn.Sequential(nn.Linear(40, 64), nn.ReLU(), nn.Linear(64, 48), nn.ReLU(),
                        nn.Linear(48, 3))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    x = torch.randn(60, 40, generator=g)
    out = complexity_measures(net, (x, torch.randint(0, 3, (60,), generator=g)), init=None,
                              perturbation=False)
    layers = weight_spectra(net)
    fitted = [s for s in layers if math.isfinite(s.alpha)]
    assert [s.m for s in fitted] == [40, 48]           # the 3-class output layer is not fitted
    assert out["mean_alpha"] == pytest.approx(sum(s.alpha for s in fitted) / 2)
    assert out["mean_alpha_weighted"] == pytest.approx(
        sum(s.alpha * math.log10(s.lambda_max) for s in fitted) / 2)
    assert out["mean_stable_rank"] == pytest.approx(sum(s.stable_rank for s in layers) / 3)


def test_a_residual_net_keeps_the_layer_sums_and_drops_the_chain_measures():
    from riskscope.analyses.measures import CHAIN_MEASURES, layer_measures_unavailable

    class Residual(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.first, self.head = net[0], net[2]

        def forward(self, x):
            h = torch.relu(self.first(x))
            return self.head(h + torch.relu(h))  # a parameter-free skip is still a skip

    net, init, data = problem()
    residual, chain = Residual(net), nn.Sequential(net[0], nn.ReLU(), net[2])
    state = {f"{k}": v for k, v in zip(("first.weight", "first.bias", "head.weight",
                                        "head.bias"), init.parameters())}
    res = complexity_measures(residual, data, init=state, perturbation=False)
    ok = complexity_measures(chain, data, init=init, perturbation=False)
    assert all(math.isnan(res[m]) for m in CHAIN_MEASURES)
    for m in ("frobenius_distance_from_init", "spectral_distance_from_init",
              "frobenius_over_spectral", "parameter_norm", "distance_from_init"):
        assert res[m] == pytest.approx(ok[m]), m
    assert all(math.isfinite(ok[m]) for m in CHAIN_MEASURES)
    assert "model: got '`add` combining 2 values" in layer_measures_unavailable(residual,
                                                                                 data.x)
    assert layer_measures_unavailable(chain, data.x) is None
