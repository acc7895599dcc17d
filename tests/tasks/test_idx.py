"""IDX reading (MNIST format) and the image-files task, on small files the tests write."""

import gzip
import struct

import numpy as np
import pytest

from riskscope.core.errors import SpecError
from riskscope.tasks import make_task
from riskscope.tasks.real.idx import read_idx, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
def test_round_trip_and_byte_layout(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "a.idx"
    write_idx(str(path), array)
    raw = path.read_bytes()
    assert raw[:2] == b"\0\0" and raw[3] == 3
    assert struct.unpack(">3I", raw[4:16]) == (2, 3, 4)         # big-endian sizes
    assert len(raw) == 16 + array.nbytes
    np.testing.assert_array_equal(read_idx(str(path)), array)


def test_hand_written_mnist_header(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 0x08, 1]) + struct.pack(">I", 3) + bytes([7, 0, 9]))
    np.testing.assert_array_equal(read_idx(str(path)), [7, 0, 9])


def test_gzip(tmp_path):
    path = tmp_path / "x.idx.gz"
    write_idx(str(path), np.ones((2, 2), np.uint8))
    with gzip.open(path) as handle:
        assert handle.read(4) == bytes([0, 0, 8, 2])
    np.testing.assert_array_equal(read_idx(str(path)), np.ones((2, 2)))


@pytest.mark.parametrize(("content", "problem"), [
    (bytes([1, 0, 8, 1]) + struct.pack(">I", 1) + b"\0", "wrong magic"),
    (bytes([0, 0, 0x0A, 1]) + struct.pack(">I", 1) + b"\0", "unknown type"),
    (bytes([0, 0, 8]), "truncated header"),
    (bytes([0, 0, 8, 2]) + struct.pack(">I", 3), "truncated header"),
    (bytes([0, 0, 8, 2]) + struct.pack(">2I", 3, 4) + bytes(11), "truncated data"),
    (bytes([0, 0, 8, 1]) + struct.pack(">I", 2) + bytes(5), "bytes after the data"),
])
def test_malformed_files_name_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "bad.idx"
    path.write_bytes(content)
    with pytest.raises(SpecError) as err:
        read_idx(str(path), "task.train_images")
    assert err.value.field == "task.train_images" and err.value.given == str(path)
    assert problem in str(err.value)


def _write_mnist_like(tmp_path, n_train=20, n_test=8, test_shape=(4, 4), n_labels=None):
    rng = np.random.default_rng(0)
    files = {}
    for part, n, shape in (("train", n_train, (4, 4)), ("test", n_test, test_shape)):
        files[f"{part}_images"] = str(tmp_path / f"{part}-images.idx")
        files[f"{part}_labels"] = str(tmp_path / f"{part}-labels.idx.gz")
        write_idx(files[f"{part}_images"], rng.integers(0, 256, (n, *shape), dtype=np.uint8))
        write_idx(files[f"{part}_labels"],
                  rng.integers(0, 3, n_labels or n, dtype=np.uint8))
    return files


def test_image_files_task_from_idx(tmp_path):
    files = _write_mnist_like(tmp_path)
    task = make_task("image-files", files)
    images = read_idx(files["train_images"])
    assert task.input_dim == 16 and task.pool_size == 20 and len(task.holdout()) == 8
    np.testing.assert_allclose(task.train_pool.x.numpy(), images.reshape(20, 16) / 255,
                               rtol=1e-6)
    assert float(task.train_pool.x.min()) >= 0 and float(task.train_pool.x.max()) <= 1
    capped = make_task("image-files", dict(files, max_train=5))
    assert capped.pool_size == 5


def test_image_files_task_from_npz_with_min_max_scaling(tmp_path):
    path = tmp_path / "cifar-like.npz"
    x_train = np.linspace(-2, 6, 2 * 2 * 3 * 5).reshape(5, 2, 2, 3).astype(np.float32)
    np.savez(path, x_train=x_train, y_train=np.array([0, 1, 2, 1, 0]),
             x_test=x_train[:2], y_test=np.array([1, 1]))
    task = make_task("image-files", {"npz": str(path)})
    assert task.input_dim == 12 and task.output_dim == 3
    assert float(task.train_pool.x.min()) == 0 and float(task.train_pool.x.max()) == 1


def test_image_files_errors(tmp_path):
    files = _write_mnist_like(tmp_path, test_shape=(5, 5))
    with pytest.raises(SpecError, match="shape"):
        make_task("image-files", files)
    files = _write_mnist_like(tmp_path, n_labels=7)
    with pytest.raises(SpecError) as err:
        make_task("image-files", files)
    assert "labels" in str(err.value)
    with pytest.raises(SpecError) as err:
        make_task("image-files", {"train_images": files["train_images"]})
    assert err.value.field == "task.train_labels"
    with pytest.raises(SpecError) as err:
        make_task("image-files", {"npz": str(tmp_path / "missing.npz")})
    assert err.value.field == "task.npz"
