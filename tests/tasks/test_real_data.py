"""Real data tasks: digits, MNIST-1D (generated, global RNG state untouched) and user arrays."""

import random

import numpy as np
import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator
from riskscope.tasks import make_task
from riskscope.tasks.real import mnist_1d


def rows(x: torch.Tensor) -> set[bytes]:
    return {row.numpy().tobytes() for row in x}


def test_digits_pool_holdout_and_draws():
    task = make_task("digits", {"test_fraction": 0.25, "split_seed": 1})
    assert task.finite and not task.has_ground_truth and task.bayes_risk() is None
    assert task.pool_size == 1797 - 449 and len(task.holdout()) == 449
    assert (task.input_dim, task.output_dim) == (64, 10)
    data = task.sample(500, torch_generator(0))
    assert data.x.dtype == torch.float32 and data.y.dtype == torch.int64
    assert data.x.min() >= 0.0 and data.x.max() <= 1.0
    drawn = rows(data.x)
    assert len(drawn) == 500                                        # without replacement
    assert drawn <= rows(task.train_pool.x)
    assert not drawn & rows(task.holdout().x)                       # no overlap with holdout
    everything = task.sample(task.pool_size, torch_generator(1))
    assert rows(everything.x) == rows(task.train_pool.x)
    assert torch.equal(data.x, task.sample(500, torch_generator(0)).x)


def test_digits_too_many_samples_names_n():
    task = make_task("digits", {})
    with pytest.raises(SpecError) as info:
        task.sample(task.pool_size + 1, torch_generator(0))
    assert info.value.field == "n"


def test_finite_population_risk_is_the_holdout_risk():
    task = make_task("digits", {})
    estimate = task.population_risk(lambda x: torch.zeros(len(x), 10), 10, torch_generator(0))
    assert estimate.method == "held-out" and estimate.n == len(task.holdout())
    assert estimate.value == pytest.approx((task.holdout().y != 0).double().mean().item())


@pytest.mark.parametrize("n", [7, 123])
def test_mnist1d_any_count_and_untouched_global_state(n):
    np.random.seed(99)
    random.seed(99)
    numpy_before, python_before = np.random.get_state(), random.getstate()
    data = make_task("mnist1d", {}).sample(n, torch_generator(n))
    numpy_after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(numpy_before, numpy_after))
    assert random.getstate() == python_before
    assert data.x.shape == (n, 40) and data.x.dtype == torch.float32
    assert data.y.dtype == torch.int64 and data.y.min() >= 0 and data.y.max() <= 9


def test_mnist1d_fixed_seed_fixed_data_whatever_the_global_seed():
    task = make_task("mnist1d", {})
    np.random.seed(1)
    first = task.sample(50, torch_generator(3))
    np.random.seed(2)
    second = task.sample(50, torch_generator(3))
    assert torch.equal(first.x, second.x) and torch.equal(first.y, second.y)
    assert not torch.equal(first.x, task.sample(50, torch_generator(4)).x)


def test_mnist1d_is_normalized_and_balanced():
    task = make_task("mnist1d", {})
    assert not task.finite and not task.has_ground_truth and task.bayes_risk() is None
    data = task.sample(2000, torch_generator(8))
    assert abs(data.x.mean().item()) < 0.05 and abs(data.x.std().item() - 1) < 0.05
    assert torch.bincount(data.y, minlength=10).min() > 150


def test_fast_transform_equals_the_package_transform():
    from mnist1d.transform import transform

    templates, _, _ = mnist_1d._package()
    args = mnist_1d.dataset_args(mnist_1d.Mnist1dParams())
    with mnist_1d.preserved_global_random_state():
        for label in range(10):
            np.random.seed(label)
            expected, _ = transform(templates["x"][label], templates["t"], args)
            np.random.seed(label)
            assert np.allclose(mnist_1d._transform_signal(templates["x"][label], args),
                               expected, rtol=0, atol=1e-12)


def arrays_task(path, kind="classification", **params):
    return make_task("arrays", {"path": str(path), "kind": kind, **params})


def test_npz_round_trip_with_test_arrays(tmp_path):
    gen = np.random.default_rng(0)
    x, y = gen.normal(size=(30, 4)), gen.integers(0, 3, size=30)
    x_test, y_test = gen.normal(size=(10, 4)), gen.integers(0, 3, size=10)
    np.savez(tmp_path / "d.npz", x=x, y=y, x_test=x_test, y_test=y_test)
    task = arrays_task(tmp_path / "d.npz")
    assert task.finite and task.kind == "classification" and task.output_dim == 3
    assert np.allclose(task.holdout().x.numpy(), x_test.astype(np.float32))
    assert torch.equal(task.holdout().y, torch.tensor(y_test))
    assert rows(task.sample(30, torch_generator(0)).x) == rows(torch.tensor(x, dtype=torch.float32))


def test_npz_regression_split(tmp_path):
    gen = np.random.default_rng(1)
    np.savez(tmp_path / "r.npz", x=gen.normal(size=(50, 2)), y=gen.normal(size=(50, 3)))
    task = arrays_task(tmp_path / "r.npz", "regression", test_fraction=0.2)
    assert (task.pool_size, len(task.holdout()), task.output_dim) == (40, 10, 3)
    assert task.sample(5, torch_generator(0)).y.dtype == torch.float32


@pytest.mark.parametrize("header", [True, False])
def test_csv_round_trip(tmp_path, header):
    gen = np.random.default_rng(2)
    table = np.column_stack([gen.normal(size=(20, 3)), gen.integers(0, 2, size=20)])
    text = ("a,b,c,label\n" if header else "") + "\n".join(",".join(map(str, r)) for r in table)
    (tmp_path / "d.csv").write_text(text + "\n")
    task = arrays_task(tmp_path / "d.csv", test_fraction=0.25)
    assert task.input_dim == 3 and task.pool_size == 15 and len(task.holdout()) == 5
    together = torch.cat([task.train_pool.x, task.holdout().x])
    assert rows(together) == rows(torch.tensor(table[:, :3], dtype=torch.float32))


def write_bad_files(tmp_path):
    (tmp_path / "corrupt.npz").write_bytes(b"PK\x03\x04 this is not a zip archive")
    np.savez(tmp_path / "no_y.npz", x=np.zeros((3, 2)))
    np.savez(tmp_path / "lengths.npz", x=np.zeros((3, 2)), y=np.zeros(4))
    np.savez(tmp_path / "dims.npz", x=np.zeros((3, 2, 2)), y=np.zeros(3))
    np.savez(tmp_path / "half_test.npz", x=np.zeros((3, 2)), y=np.zeros(3), x_test=np.zeros((1, 2)))
    np.savez(tmp_path / "objects.npz", x=np.array([{}, {}], dtype=object), y=np.zeros(2))
    np.savez(tmp_path / "labels.npz", x=np.zeros((3, 2)), y=np.array([0.0, 1.5, 2.0]))
    (tmp_path / "ragged.csv").write_text("1,2,3\n4,5\n")
    (tmp_path / "words.csv").write_text("1,2,3\n4,x,6\n")
    (tmp_path / "data.txt").write_text("1,2\n")


@pytest.mark.parametrize(("name", "problem"), [
    ("corrupt.npz", "cannot read"), ("no_y.npz", "missing key"), ("lengths.npz", "rows"),
    ("dims.npz", "shape"), ("half_test.npz", "both"), ("objects.npz", "cannot read"),
    ("labels.npz", "integers"), ("ragged.csv", "columns"), ("words.csv", "not a number"),
    ("data.txt", "extension"), ("missing.npz", "no such file"),
])
def test_bad_files_are_spec_errors_naming_the_path(tmp_path, name, problem):
    write_bad_files(tmp_path)
    with pytest.raises(SpecError) as info:
        arrays_task(tmp_path / name)
    assert info.value.field == "path"
    assert name in str(info.value) and problem in str(info.value)
