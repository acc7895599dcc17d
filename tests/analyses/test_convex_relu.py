"""The certified optimum of 1-D two-layer ReLU networks with weight decay (Pilanci & Ergen 2020)."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from riskscope.analyses.decomposition.convex_relu import (
    beta_from_weight_decay,
    certified_relu_optimum,
    enumerate_relu_patterns_1d,
    max_relu_correlation_1d,
    mlp_to_relu_network,
    optimality_gap,
    relu_objective,
)
from riskscope.core.errors import SpecError
from riskscope.models import MLP
from riskscope.models.mlp_spec import MLPSpec

MODES = ("free", "none", "penalized")


def _one_blas_thread():
    """scipy's L-BFGS-B calls BLAS on tiny vectors: threads only add overhead (×7 here)."""
    try:
        from threadpoolctl import threadpool_limits  # a dependency of scikit-learn
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, n)
    return x, np.sin(2.0 * x) + 0.3 * rng.standard_normal(n)


def _sampled_patterns(x: np.ndarray, count: int, seed: int) -> set[tuple[bool, ...]]:
    rng = np.random.default_rng(seed)
    phi = rng.uniform(-np.pi, np.pi, count)
    g = np.concatenate([np.stack([np.cos(phi), np.sin(phi)], 1),
                        rng.standard_normal((count // 10, 2)), [[0.0, 1.0], [0.0, -1.0]]])
    pats = (np.multiply.outer(g[:, 0], x) + g[:, 1:2]) >= 0
    return {tuple(p) for p in np.unique(pats, axis=0) if p.any()}


def test_patterns_match_dense_sampling_with_duplicates():
    rng = np.random.default_rng(1)
    base = rng.uniform(-2.0, 2.0, 9)
    x = rng.permutation(np.concatenate([base, base[:3], [base[4]]]))      # 13 points, 9 distinct
    pats = enumerate_relu_patterns_1d(x)
    assert pats.shape == (2 * 9 - 1, 13) and pats.dtype == bool
    assert len({tuple(p) for p in pats}) == len(pats) and pats.any(axis=1).all()
    assert pats.all(axis=1).sum() == 1
    assert {tuple(p) for p in pats} == _sampled_patterns(x, 100_000, seed=2)
    assert enumerate_relu_patterns_1d(np.full(4, 0.7)).tolist() == [[True] * 4]


def test_max_relu_correlation_is_exact():
    x, _ = _data(15, seed=3)
    rho = np.random.default_rng(4).standard_normal(15)
    exact = max_relu_correlation_1d(x, rho)
    phi = np.linspace(-np.pi, np.pi, 400_001)
    sampled = np.abs(np.maximum(np.multiply.outer(np.cos(phi), x)
                                + np.sin(phi)[:, None], 0) @ rho).max()
    assert sampled <= exact * (1 + 1e-12)
    assert sampled >= exact * (1 - 1e-8)


def _nonconvex(theta, x, y, beta, m, mode):
    w, b, a = theta[:m], theta[m:2 * m], theta[2 * m:3 * m]
    c = theta[3 * m] if mode != "none" else 0.0
    pre = np.multiply.outer(x, w) + b
    r = np.maximum(pre, 0) @ a + c - y
    value = 0.5 * r @ r + 0.5 * beta * (w @ w + b @ b + a @ a)
    ra = (r[:, None] * (pre > 0)) * a
    grad = [ra.T @ x + beta * w, ra.sum(0) + beta * b, np.maximum(pre, 0).T @ r + beta * a]
    if mode != "none":
        value += 0.5 * beta * c * c if mode == "penalized" else 0.0
        grad.append([r.sum() + (beta * c if mode == "penalized" else 0.0)])
    return value, np.concatenate(grad)


@pytest.mark.parametrize("mode", MODES)
def test_optimum_against_random_restart_search(mode):
    x = np.array([-1.3, -0.2, 0.5, 1.4])
    y = np.array([0.4, -0.9, 1.1, 0.2])
    beta = 0.3
    opt = certified_relu_optimum(x, y, beta, output_bias=mode)
    assert opt.certified and opt.status == "optimal" and opt.num_patterns == 7
    assert opt.lower_bound <= opt.optimal_value
    net = opt.network
    assert relu_objective(x, y, net.w, net.b, net.a, beta, c=net.c, output_bias=mode) \
        == opt.optimal_value
    assert abs(opt.optimal_value - opt.convex_value) <= 1e-6 * opt.optimal_value
    m = opt.num_active_neurons
    assert m == 2
    rng = np.random.default_rng(5)
    k = 3 * m + (mode != "none")
    found = []
    with _one_blas_thread():
        for _ in range(60):                     # ~25% of restarts reach the global optimum
            theta0 = rng.standard_normal(k) * rng.choice([0.3, 1.0, 2.0])
            res = minimize(_nonconvex, theta0, args=(x, y, beta, m, mode), jac=True,
                           method="L-BFGS-B", options={"maxiter": 500, "gtol": 1e-11,
                                                       "ftol": 1e-14})
            found.append(res.fun)
    found = np.array(found)
    assert found.min() >= opt.lower_bound * (1 - 1e-7)                # nothing beats the bound
    assert found.min() <= opt.optimal_value * (1 + 1e-4)             # and the search reaches it


@pytest.mark.parametrize("shift", [0.0, 0.5])
def test_monotone_and_vanishing_in_beta(shift):
    """V(β) = min P is non-decreasing and concave in β (a minimum of affine functions of β),
    so (V(β) − V(0))/β is non-increasing; V(0) = 0 when the data can be interpolated, else
    the within-duplicate scatter ½ Σ (y − mean of its group)² (shift ≠ 0)."""
    x, y = _data(12, seed=6)
    x, y = np.concatenate([x, x[:3]]), np.concatenate([y, y[:3] + shift])  # duplicated inputs
    floor = 3 * 0.25 * shift**2                  # ½ Σ (±shift/2)² over the 3 duplicate pairs
    betas = np.array([1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0])
    opts = [certified_relu_optimum(x, y, b) for b in betas]
    assert all(o.certified and o.num_patterns == 23 for o in opts)
    assert all(abs(o.optimal_value - o.convex_value) <= 1e-6 * o.optimal_value for o in opts)
    values = np.array([o.optimal_value for o in opts])
    assert np.all(np.diff(values) >= -1e-7 * values[1:])               # monotone in β
    ratio = (values - floor) / betas
    assert np.all(ratio > 0) and np.all(np.diff(ratio) <= 1e-5 * ratio[:-1])
    assert values[0] - floor <= 1e-3 * (values[-1] - floor)            # V(β) → V(0) as β → 0
    assert values[0] - floor <= 1e-3 * 0.5 * np.sum((y - y.mean()) ** 2)


def test_trained_mlp_has_nonnegative_gap_and_matching_objective():
    x, y = _data(20, seed=7)
    lam = 2e-3
    beta = beta_from_weight_decay(lam, len(x))                         # = n λ / 2
    spec = MLPSpec(input_dim=1, output_dim=1, width=16, depth=1, bias_init_std=1.0)
    mlp = MLP(spec, torch.Generator().manual_seed(0)).double()
    xt, yt = torch.tensor(x)[:, None], torch.tensor(y)[:, None]
    sgd = torch.optim.SGD(mlp.parameters(), lr=0.05, weight_decay=lam)
    gen = torch.Generator().manual_seed(1)
    for _ in range(1500):
        idx = torch.randperm(len(x), generator=gen)[:5]
        sgd.zero_grad()
        torch.mean((mlp(xt[idx]) - yt[idx]) ** 2).backward()
        sgd.step()
    with torch.no_grad():
        trained = torch.mean((mlp(xt) - yt) ** 2) + 0.5 * lam * sum(
            (p**2).sum() for p in mlp.parameters())
    net = mlp_to_relu_network(mlp)
    value = relu_objective(x, y, net.w, net.b, net.a, beta, c=net.c, output_bias="penalized")
    assert value == pytest.approx(0.5 * len(x) * float(trained), rel=1e-12)
    opt = certified_relu_optimum(x, y, beta, output_bias="penalized")
    assert opt.certified
    gap = optimality_gap(x, y, beta, net.w, net.b, net.a, c=net.c, output_bias="penalized",
                         optimum=opt)
    assert gap == pytest.approx(value - opt.lower_bound)
    assert gap >= -1e-9 * opt.optimal_value
    assert np.isfinite(gap)


@pytest.mark.parametrize("parameterization", ["standard", "ntk", "mean-field"])
def test_mlp_converter_reproduces_outputs(parameterization):
    spec = MLPSpec(input_dim=1, output_dim=1, width=7, depth=1, bias_init_std=1.0,
                   parameterization=parameterization)
    mlp = MLP(spec, torch.Generator().manual_seed(3)).double()
    with torch.no_grad():
        mlp.layers[1].bias.fill_(0.37)
    x = np.linspace(-3, 3, 41)
    net = mlp_to_relu_network(mlp)
    assert net.num_neurons == 7 and net.c == pytest.approx(0.37)
    with torch.no_grad():
        expected = mlp(torch.tensor(x)[:, None])[:, 0].numpy()
    np.testing.assert_allclose(net(x), expected, rtol=1e-13, atol=1e-13)


def test_converter_rejects_other_shapes():
    deep = MLP(MLPSpec(input_dim=1, output_dim=1, width=3, depth=2))
    with pytest.raises(SpecError, match="depth"):
        mlp_to_relu_network(deep)
    with pytest.raises(SpecError, match="mlp"):
        mlp_to_relu_network(torch.nn.Linear(1, 1))


def test_zero_targets_and_large_beta_give_the_empty_network():
    opt = certified_relu_optimum([0.0, 1.0, 2.0], [0.0, 0.0, 0.0], 0.5)
    assert opt.optimal_value == 0.0 and opt.num_active_neurons == 0 and opt.certified
    x, y = np.array([-1.3, -0.2, 0.5, 1.4]), np.array([0.4, -0.9, 1.1, 0.2])
    opt = certified_relu_optimum(x, y, 1.0)                     # a constant fit is optimal
    assert opt.certified and opt.num_active_neurons == 0
    assert opt.network.c == pytest.approx(y.mean())
    assert opt.optimal_value == pytest.approx(0.5 * np.sum((y - y.mean()) ** 2))


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"x": np.zeros((4, 1))}, "x"),
    ({"x": [[0.0, 1.0]]}, "x"),
    ({"y": np.zeros(3)}, "y"),
    ({"x": [0.0, np.nan, 1.0, 2.0]}, "x"),
    ({"beta": 0.0}, "beta"),
    ({"beta": -1.0}, "beta"),
    ({"output_bias": "fixed"}, "output_bias"),
    ({"solver": "NO_SUCH_SOLVER"}, "solver"),
])
def test_bad_input_names_the_argument(kwargs, field):
    args = {"x": np.arange(4.0), "y": np.ones(4), "beta": 0.1} | kwargs
    extra = {k: args.pop(k) for k in ("output_bias", "solver") if k in args}
    with pytest.raises(SpecError) as err:
        certified_relu_optimum(args["x"], args["y"], args["beta"], **extra)
    assert err.value.field == field


def test_objective_and_gap_argument_checks():
    x, y = np.arange(4.0), np.ones(4)
    with pytest.raises(SpecError) as err:
        relu_objective(x, y, [1.0, 2.0], [0.0], [1.0, 1.0], 0.1)
    assert err.value.field == "b"
    with pytest.raises(SpecError) as err:
        relu_objective(x, y, [1.0], [0.0], [1.0], 0.1, c=1.0, output_bias="none")
    assert err.value.field == "c"
    with pytest.raises(SpecError) as err:
        relu_objective(x, y, [1.0], [0.0], [1.0], beta=0)
    assert err.value.field == "beta"
    opt = certified_relu_optimum(x, y, 0.1)
    with pytest.raises(SpecError) as err:
        optimality_gap(x, y, 0.2, [1.0], [0.0], [1.0], optimum=opt)
    assert err.value.field == "optimum"
    with pytest.raises(SpecError) as err:
        beta_from_weight_decay(1e-3, 0)
    assert err.value.field == "n"
