"""Sparse tasks: exact labels, ground truth, unit-variance targets, clear errors on bad input."""

import itertools
import math

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.tasks import make_task
from riskscope.tasks.sparse import cube_points, hermite_link, parity


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny tensors: one thread avoids oversubscription on a shared CPU (restored after)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_parity_labels_are_the_xor_of_the_secret_bits():
    task = make_task("sparse-parity", {"n_bits": 7, "k": 3, "secret_seed": 4})
    support = task.ground_truth()["support"].tolist()
    assert len(support) == 3 == len(set(support)) and support == sorted(support)
    data = task.sample(500, gen())
    bits = (1 - data.x) / 2  # −1 ↦ 1
    xor = bits[:, support].sum(1).remainder(2).long()
    assert torch.equal(data.y, xor)
    assert set(data.x.unique().tolist()) == {-1.0, 1.0}
    assert task.bayes_risk().value == 0.0
    basis = task.ground_truth()["subspace_basis"]
    assert torch.equal(basis.sum(0).nonzero().flatten(), torch.tensor(support))


def test_secret_support_depends_only_on_the_task_parameters():
    a = make_task("sparse-parity", {"n_bits": 30, "k": 3, "secret_seed": 1})
    b = make_task("sparse-parity", {"n_bits": 30, "k": 3, "secret_seed": 1})
    c = make_task("sparse-parity", {"n_bits": 30, "k": 3, "secret_seed": 2})
    assert torch.equal(a.support, b.support) and not torch.equal(a.support, c.support)


def test_label_noise_matches_the_bayes_error():
    task = make_task("sparse-parity", {"n_bits": 5, "k": 2, "flip_rate": 0.2})
    data = task.sample(40_000, gen(1))
    err = float((task.clean_label(data.x) != data.y).double().mean())
    assert abs(err - 0.2) < 4 * math.sqrt(0.2 * 0.8 / 40_000)
    assert task.bayes_risk().value == 0.2


def test_staircase_is_the_sum_of_prefix_monomials_and_has_unit_variance():
    task = make_task("staircase", {"n_bits": 4, "degree": 3})
    x = cube_points(4)
    expected = (x[:, 0] + x[:, 0] * x[:, 1] + x[:, 0] * x[:, 1] * x[:, 2]) / math.sqrt(3)
    torch.testing.assert_close(task.target(x)[:, 0], expected)
    assert abs(float(task.target(x).pow(2).mean()) - 1) < 1e-6   # exact over the whole cube
    assert abs(float(task.target(x).mean())) < 1e-6


def test_hermite_links_are_orthonormal_under_the_gaussian():
    z, w = (torch.tensor(a, dtype=torch.float64) for a in __import__(
        "numpy").polynomial.hermite_e.hermegauss(20))
    w = w / w.sum()
    for p, q in itertools.product((1, 2, 3), repeat=2):
        inner = float((w * hermite_link(p, z) * hermite_link(q, z)).sum())
        assert abs(inner - (p == q)) < 1e-10, (p, q, inner)


@pytest.mark.parametrize("name", ["single-index", "multi-index"])
def test_index_models_have_orthonormal_sparse_directions(name):
    params = {"input_dim": 24, "sparsity": 3, "information_exponent": 2}
    if name == "multi-index":
        params["num_directions"] = 3
    task = make_task(name, params)
    w = task.ground_truth()["directions"]
    torch.testing.assert_close(w @ w.T, torch.eye(w.shape[0], dtype=torch.float64))
    assert ((w != 0).sum(1) == 3).all()
    data = task.sample(4000, gen(2))
    proj = data.x.double() @ w.T
    torch.testing.assert_close(data.y[:, 0].double(), task.target(data.x)[:, 0].double())
    if name == "single-index":
        torch.testing.assert_close(data.y[:, 0].double(), hermite_link(2, proj[:, 0]),
                                   atol=1e-5, rtol=1e-5)


def test_multi_index_product_and_sum_links():
    base = {"input_dim": 12, "sparsity": 2, "num_directions": 2, "information_exponent": 1}
    s = make_task("multi-index", {**base, "link": "sum"})
    p = make_task("multi-index", {**base, "link": "product"})
    x = torch.randn(100, 12, generator=gen(3))
    z = x.double() @ s.directions.T
    torch.testing.assert_close(s.target(x)[:, 0].double(), z.sum(1) / math.sqrt(2),
                               atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(p.target(x)[:, 0].double(), z.prod(1), atol=1e-5, rtol=1e-5)


def test_parity_value_on_the_cube():
    x = cube_points(3)
    torch.testing.assert_close(parity(x, torch.tensor([0, 2])), x[:, 0] * x[:, 2])


@pytest.mark.parametrize(("name", "params", "field", "fragment"), [
    ("sparse-parity", {"n_bits": 5, "k": 6}, "task.k", "[1, 5]"),
    ("sparse-parity", {"n_bits": 5, "k": 0}, "task.k", "greater than or equal to 1"),
    ("sparse-parity", {"flip_rate": 0.5}, "task.flip_rate", "less than 0.5"),
    ("staircase", {"n_bits": 2, "degree": 3}, "task.degree", "[1, 2]"),
    ("single-index", {"information_exponent": 4}, "task.information_exponent", "He3"),
    ("single-index", {"input_dim": 3, "sparsity": 4}, "task.sparsity", "[1, 3]"),
    ("multi-index", {"input_dim": 8, "sparsity": 3, "num_directions": 3},
     "task.num_directions", "at most 2"),
])
def test_bad_parameters_name_the_field_the_value_and_what_is_allowed(name, params, field,
                                                                     fragment):
    with pytest.raises(SpecError) as info:
        make_task(name, params)
    assert info.value.field == field
    assert fragment in str(info.value)
    assert str(list(params.values())[-1] if field.endswith(list(params)[-1])
               else "") in str(info.value)
