"""Layer spectra: the Marchenko–Pastur edge of Gaussian matrices, planted power-law spectra,
planted spikes, the conv reshaping, and weightwatcher as a test-only oracle."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from riskscope.probes.spectra import (
    marchenko_pastur_density,
    marchenko_pastur_edges,
    matrix_spectrum,
    spectra_summary,
    weight_spectra,
)


def gaussian(n, m, sigma=1.0, seed=0):
    return sigma * torch.randn(n, m, generator=torch.Generator().manual_seed(seed),
                               dtype=torch.float64)


def orthogonal(n, seed):
    q, r = torch.linalg.qr(gaussian(n, n, seed=seed))
    return q * torch.sign(torch.diagonal(r))


def with_spectrum(eigenvalues: np.ndarray, n: int, seed: int = 0) -> torch.Tensor:
    """An n × m matrix W whose WᵀW/n has exactly the given m eigenvalues."""
    m = eigenvalues.size
    s = torch.as_tensor(np.sqrt(n * eigenvalues), dtype=torch.float64)
    u = orthogonal(n, seed)[:, :m]
    v = orthogonal(m, seed + 1)
    return u @ torch.diag(s) @ v.T


@pytest.mark.parametrize(("n", "m", "sigma"), [(2000, 500, 1.0), (1000, 1000, 0.1),
                                               (300, 1200, 2.0)])
def test_marchenko_pastur_edge_of_gaussian_matrices(n, m, sigma):
    s = matrix_spectrum(gaussian(n, m, sigma, seed=n))
    lo, hi = marchenko_pastur_edges(sigma ** 2, n, m)
    assert s.mp_edge == pytest.approx(hi, rel=0.02)      # σ² estimated from the entries
    # the largest eigenvalue sits at the edge up to Tracy–Widom fluctuations (~ N^-2/3)
    assert s.lambda_max == pytest.approx(hi, rel=0.04)
    assert s.num_spikes <= 3
    if n != m:
        assert s.eigenvalues[0] == pytest.approx(lo, rel=0.15, abs=0.02 * sigma ** 2)
    # the histogram follows the density (KS distance of the CDFs)
    grid = np.linspace(lo, hi, 4001)
    cdf = np.cumsum(marchenko_pastur_density(grid, sigma ** 2, n, m)) * (grid[1] - grid[0])
    ecdf = np.searchsorted(s.eigenvalues, grid, side="right") / s.eigenvalues.size
    assert np.abs(cdf - ecdf).max() < 0.03


def test_density_integrates_to_one():
    grid = np.linspace(0, 5, 200001)
    mass = marchenko_pastur_density(grid, 1.0, 900, 300).sum() * (grid[1] - grid[0])
    assert mass == pytest.approx(1.0, abs=2e-3)


@pytest.mark.parametrize("alpha", [2.0, 3.0, 4.5])
def test_planted_power_law_spectrum_gives_alpha(alpha):
    rng = np.random.default_rng(int(alpha * 10))
    eig = (1 - rng.random(800)) ** (-1 / (alpha - 1))          # ρ(λ) ∝ λ^−α on [1, ∞)
    s = matrix_spectrum(with_spectrum(eig, 1200, seed=3).unsqueeze(0))
    np.testing.assert_allclose(s.eigenvalues, np.sort(eig), rtol=1e-8)
    assert abs(s.alpha - alpha) < 4 * s.fit.alpha_stderr + 0.05
    assert s.stable_rank == pytest.approx(eig.sum() / eig.max())
    assert s.alpha_weighted == pytest.approx(s.alpha * math.log10(eig.max()))


def test_planted_spikes_are_counted():
    n, m, k = 1500, 300, 4
    noise = gaussian(n, m, seed=11)
    u = orthogonal(n, 12)[:, :k]
    v = orthogonal(m, 13)[:, :k]
    strength = torch.tensor([8.0, 6.0, 5.0, 4.0], dtype=torch.float64) * math.sqrt(n)
    s = matrix_spectrum(noise + u @ torch.diag(strength) @ v.T)
    assert s.num_spikes == k


def test_conv_layers_are_cut_per_kernel_position_and_linear_layers_as_they_are():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 40, 3), nn.ReLU(), nn.Flatten(), nn.Linear(40 * 4, 30))
    spectra = weight_spectra(net)
    conv, dense = spectra
    assert (conv.kind, conv.n, conv.m, conv.num_matrices) == ("conv", 40, 3, 9)
    w = net[0].weight.detach().double()
    expected = np.sort(np.concatenate([
        torch.linalg.svdvals(w[:, :, i, j]).pow(2).numpy() / 40
        for i in range(3) for j in range(3)]))
    np.testing.assert_allclose(conv.eigenvalues, expected, rtol=1e-10)
    assert conv.fit.n == 27 and math.isfinite(conv.alpha)   # pooled over the 9 positions
    assert (dense.n, dense.m) == (160, 30)
    np.testing.assert_allclose(
        dense.eigenvalues,
        np.sort(torch.linalg.svdvals(net[3].weight.detach().double()).pow(2).numpy() / 160))
    summary = spectra_summary(spectra)
    assert summary["stable_rank_mean"] == pytest.approx(
        (conv.stable_rank + dense.stable_rank) / 2)
    # a state dict gives the same spectra
    again = weight_spectra({k: v for k, v in net.state_dict().items()})
    np.testing.assert_allclose(again[0].eigenvalues, conv.eigenvalues)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_agrees_with_weightwatcher():
    ww = pytest.importorskip("weightwatcher")
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(300, 200), nn.ReLU(), nn.Linear(200, 150), nn.ReLU(),
                        nn.Linear(150, 10))
    with torch.no_grad():   # heavy-tailed entries give a clear power-law tail
        for layer in (net[0], net[2]):
            layer.weight.copy_(torch.distributions.StudentT(2.5).sample(layer.weight.shape) * 0.05)
    ours = [s for s in weight_spectra(net) if math.isfinite(s.alpha)]
    details = ww.WeightWatcher(model=net).analyze(min_evals=20)
    details = details.sort_values("layer_id").reset_index(drop=True)
    assert len(ours) == 2 and len(details) == 2
    for s, (_, row) in zip(ours, details.iterrows()):
        # weightwatcher's eigenvalues are the squared singular values without the 1/N
        assert s.lambda_max * s.n == pytest.approx(row["lambda_max"], rel=1e-6)
        assert s.stable_rank == pytest.approx(row["stable_rank"], rel=1e-6)
        assert s.alpha == pytest.approx(row["alpha"], rel=0.05)
