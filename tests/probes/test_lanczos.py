"""Lanczos top-k eigenvalues against torch.linalg.eigvalsh."""

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.probes.estimators import lanczos_top_eigenvalues
from riskscope.probes.linops import GGNOperator, HessianOperator
from riskscope.testing.dense_curvature import dense_hessian

from .conftest import regression_data, symmetric_matrix, tiny_mlp

pytestmark = pytest.mark.usefixtures("single_thread")


def test_top_k_of_an_indefinite_matrix_match_eigvalsh():
    lam = torch.linspace(-3, 5, 80, dtype=torch.float64)
    a = symmetric_matrix(lam)
    exact = torch.linalg.eigvalsh(a)
    top = lanczos_top_eigenvalues(a, 5, tol=1e-8)
    assert top.converged
    assert torch.allclose(top.eigenvalues, exact.flip(0)[:5], atol=1e-9)
    low = lanczos_top_eigenvalues(a, 3, which="smallest", tol=1e-8)
    assert torch.allclose(low.eigenvalues, exact[:3], atol=1e-9)
    assert low.values()[0] == pytest.approx(-3.0, abs=1e-9)
    mag = lanczos_top_eigenvalues(symmetric_matrix([-7.0, 1.0, 2.0, 3.0] * 5), 2,
                                  which="largest_magnitude")
    assert mag.values() == pytest.approx([-7.0, -7.0], abs=1e-9)


def test_ritz_vectors_and_residuals_are_honest():
    a = symmetric_matrix(torch.logspace(0, -4, 60))
    top = lanczos_top_eigenvalues(a, 3, tol=1e-7, return_eigenvectors=True)
    y = top.eigenvectors
    true_residuals = torch.linalg.vector_norm(a @ y - y * top.eigenvalues, dim=0)
    assert torch.allclose(true_residuals, top.residuals, atol=1e-10)
    assert torch.allclose(y.T @ y, torch.eye(3, dtype=torch.float64), atol=1e-10)


@pytest.mark.parametrize("k", [1, 3, 4, 6, 9])
def test_k_beyond_the_number_of_distinct_eigenvalues_returns_multiplicities(k):
    lam = torch.tensor([5.0] * 3 + [1.0] * 2 + [-2.0] * 2 + [0.0] * 33, dtype=torch.float64)
    exact = lam.sort(descending=True).values
    top = lanczos_top_eigenvalues(symmetric_matrix(lam, seed=3), k)
    assert top.converged
    assert torch.allclose(top.eigenvalues, exact[:k], atol=1e-9)


def test_k_equal_to_the_dimension_is_exact_and_larger_k_is_refused():
    a = symmetric_matrix(torch.arange(6.0))
    assert lanczos_top_eigenvalues(a, 6).values() == pytest.approx([5, 4, 3, 2, 1, 0], abs=1e-9)
    with pytest.raises(SpecError, match=r"k: got 7.*dimension 6"):
        lanczos_top_eigenvalues(a, 7)


def test_hessian_top_eigenvalues_match_dense_hessian_including_negative_ones():
    model = tiny_mlp()
    x, y = regression_data()
    op = HessianOperator(model, (x, y), "squared_error")
    exact = torch.linalg.eigvalsh(dense_hessian(model, x, y, op.loss_fn))
    assert exact[0] < 0  # an indefinite Hessian: the test exercises negative curvature
    top = lanczos_top_eigenvalues(op, 4, tol=1e-9)
    low = lanczos_top_eigenvalues(op, 2, which="smallest", tol=1e-9)
    assert torch.allclose(top.eigenvalues, exact.flip(0)[:4], rtol=1e-8, atol=1e-10)
    assert torch.allclose(low.eigenvalues, exact[:2], rtol=1e-8, atol=1e-10)
    assert top.num_products == top.iterations < op.shape[0]


def test_low_rank_ggn_finds_its_zero_eigenvalues():
    model = tiny_mlp()
    x, y = regression_data(n=4)  # rank(GGN) ≤ n·O = 12 < P
    op = GGNOperator(model, (x, y), "squared_error")
    exact = torch.linalg.eigvalsh(op.to_dense()).flip(0)
    top = lanczos_top_eigenvalues(op, 14)
    assert torch.allclose(top.eigenvalues, exact[:14], atol=1e-9)


def _power_iteration(a, rel_change=1e-3, max_iter=1000):
    """The pitfall of REFERENCES.md: stop when the Rayleigh quotient changes by < 1e-3."""
    gen = torch.Generator().manual_seed(0)
    v = torch.randn(a.shape[0], generator=gen, dtype=a.dtype)
    estimate = None
    for _ in range(max_iter):
        w = a @ v
        new = float(v @ w)
        v = w / torch.linalg.vector_norm(w)
        if estimate is not None and abs(new - estimate) <= rel_change * abs(estimate):
            return new
        estimate = new
    return estimate


def test_residual_stopping_is_accurate_where_power_iteration_stops_early():
    lam = torch.cat([torch.tensor([1.0, 0.99, 0.98]), torch.linspace(0, 0.9, 197)]).double()
    a = symmetric_matrix(lam, seed=5)
    power_error = abs(_power_iteration(a) - 1.0)
    top = lanczos_top_eigenvalues(a, 1)  # default tolerance 1e-3 on the residual
    assert power_error > 1e-3  # stopped early, ~0.2–0.5% away
    error = abs(top.values()[0] - 1.0)
    assert top.converged and error <= float(top.residuals[0]) <= 1e-3  # a guarantee
    assert error < power_error / 100


def test_warm_start_needs_fewer_products():
    a = symmetric_matrix(torch.logspace(1, -3, 100))
    cold = lanczos_top_eigenvalues(a, 1, return_eigenvectors=True, tol=1e-6)
    warm = lanczos_top_eigenvalues(a, 1, v0=cold.eigenvectors[:, 0], tol=1e-6)
    assert warm.num_products < cold.num_products
    assert warm.values()[0] == pytest.approx(10.0, rel=1e-9)


def test_unconverged_run_warns_and_says_so():
    a = symmetric_matrix(torch.linspace(0, 1, 200))
    with pytest.warns(RuntimeWarning, match="max_iter"):
        result = lanczos_top_eigenvalues(a, 1, max_iter=5, tol=1e-12)
    assert not result.converged and result.iterations == 5


def test_float32_operator_on_device_dtype_is_kept():
    a = symmetric_matrix(torch.linspace(-1, 2, 50)).float()
    top = lanczos_top_eigenvalues(a, 2)
    assert top.eigenvalues.dtype == torch.float32
    assert top.values() == pytest.approx([2.0, 2.0 - 3 / 49], abs=1e-5)
