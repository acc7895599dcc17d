"""Fourier coefficients and the Fourier gap, against exact computations on tiny cubes."""

import itertools
import math

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.models.mlp import MLP
from riskscope.models.mlp_spec import MLPSpec
from riskscope.probes.features import fourier_gap, subset_index, walsh_hadamard
from riskscope.tasks.sparse import cube_points


def parity_network(n: int, support: list[int]) -> MLP:
    """A one-hidden-layer ReLU net with k units computing χ_S(x) exactly on {−1, 1}^n.

    With t = Σ_{i∈S} x_i ∈ {−k, −k+2, ..., k}, χ_S = (−1)^{(k−t)/2}; the piecewise-linear
    interpolation g(t) = g(−k) + Σ_m d_m relu(t − t_m) through those k + 1 points uses the
    slope changes d_m of the alternating sequence.
    """
    k = len(support)
    net = MLP(MLPSpec(input_dim=n, output_dim=1, width=k, depth=1))
    knots = [-k + 2 * m for m in range(k + 1)]
    values = [(-1) ** (k - m) for m in range(k + 1)]
    slopes = [(values[m + 1] - values[m]) / 2 for m in range(k)]
    with torch.no_grad():
        first, out = net.layers
        first.weight.zero_()
        first.weight[:, support] = 1.0
        first.bias.copy_(-torch.tensor(knots[:k], dtype=torch.float32))
        out.weight.copy_(torch.tensor([[slopes[0]] + [slopes[m] - slopes[m - 1]
                                                      for m in range(1, k)]]))
        out.bias.fill_(values[0])
    return net


def brute_force_coefficients(values, n):
    x = cube_points(n).double()
    out = {}
    for size in range(n + 1):
        for t in itertools.combinations(range(n), size):
            chi = x[:, list(t)].prod(1) if t else torch.ones(2**n, dtype=torch.float64)
            out[t] = float((values * chi).mean())
    return out


def test_walsh_hadamard_equals_the_definition():
    n = 4
    values = torch.randn(2**n, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    fast = walsh_hadamard(values)
    for t, coef in brute_force_coefficients(values, n).items():
        assert abs(float(fast[subset_index(t)]) - coef) < 1e-12


@pytest.mark.parametrize(("n", "support"), [(6, [1, 4]), (7, [0, 3, 5]), (5, [2])])
def test_exact_parity_network_has_coefficient_one_on_s_and_zero_elsewhere(n, support):
    net = parity_network(n, support)
    x = cube_points(n)
    chi = x[:, support].prod(1)
    torch.testing.assert_close(net(x)[:, 0], chi)   # the network computes the parity
    result = fourier_gap(lambda z: net(z)[:, 0], n, support, method="exact")
    assert result.support_coefficient[0] == pytest.approx(1.0, abs=1e-6)
    assert result.max_other[0] == pytest.approx(0.0, abs=1e-6)
    assert result.gap[0] == pytest.approx(1.0, abs=1e-6)
    assert result.method.startswith("exact")


def test_gap_of_a_known_mixture_and_ensemble_shape():
    n, s, t = 5, (0, 2), (1, 3)

    def score(x):  # two "members": 0.5 χ_S + 0.3 χ_T and 0.2 χ_S + 0.7 χ_T
        a, b = x[:, list(s)].prod(1), x[:, list(t)].prod(1)
        return torch.stack([0.5 * a + 0.3 * b, 0.2 * a + 0.7 * b])

    result = fourier_gap(score, n, s, method="exact")
    assert result.support_coefficient.tolist() == pytest.approx([0.5, 0.2])
    assert result.max_other.tolist() == pytest.approx([0.3, 0.7])
    assert result.gap.tolist() == pytest.approx([0.2, -0.5])
    assert result.argmax_other == [t, t]


def test_sampled_gap_converges_to_the_exact_one():
    n, s, t = 8, (1, 5), (0, 7)

    def score(x):
        return 0.5 * x[:, list(s)].prod(1) + 0.3 * x[:, list(t)].prod(1) + 0.1 * x[:, 2]

    exact = fourier_gap(score, n, s, method="exact")
    errors = []
    for m in (1000, 16000):
        sampled = fourier_gap(score, n, s, method="sample", num_samples=m, rng=3)
        err = abs(sampled.support_coefficient[0] - exact.support_coefficient[0])
        assert err < 5 * sampled.standard_error[0]
        errors.append(abs(sampled.gap[0] - exact.gap[0]))
        assert sampled.method.startswith("sample")
    assert errors[1] < 0.05
    assert math.isclose(exact.gap[0], 0.2, abs_tol=1e-6)


def test_bad_support_and_method_are_spec_errors():
    with pytest.raises(SpecError, match="support"):
        fourier_gap(lambda x: x[:, 0], 4, [1, 5])
    with pytest.raises(SpecError, match="rng"):
        fourier_gap(lambda x: x[:, 0], 4, [1], method="sample")
