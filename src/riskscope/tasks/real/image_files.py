"""User image data sets (`image-files`): MNIST-style IDX files or a .npz, flattened, in [0, 1].

Give either four IDX files (`train_images`, `train_labels`, `test_images`, `test_labels`; `.gz`
allowed — e.g. MNIST's train-images-idx3-ubyte.gz) or one `npz` holding x_train, y_train,
x_test, y_test (Keras' mnist.npz / cifar10 layout; read with allow_pickle=False). Images
[n, ...] (e.g. [n, 28, 28] or [n, 32, 32, 3]) are flattened to [n, features], float32.

Scaling (`scale`): "auto" divides integer images by their type's maximum (255 for uint8) and
keeps float images already in [0, 1]; other float images are min–max scaled with the TRAINING
set's minimum and maximum (the same affine map for test images, which may then leave [0, 1]).
"none" keeps the values. Labels must be non-negative integers; classes = max label + 1.
`max_train` / `max_test` keep the first rows only (quick runs on MNIST's 60,000 images).
A finite task: `sample` draws from the training images; the test images are the held-out set.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from pydantic import Field, model_validator

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset
from riskscope.tasks.real.finite import FiniteTask
from riskscope.tasks.real.idx import read_idx
from riskscope.tasks.registry import register_task

IDX_FIELDS = ("train_images", "train_labels", "test_images", "test_labels")
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


class ImageFilesParams(Params):
    train_images: str | None = None
    train_labels: str | None = None
    test_images: str | None = None
    test_labels: str | None = None
    npz: str | None = None
    scale: Literal["auto", "none"] = "auto"
    max_train: int | None = Field(None, gt=0)
    max_test: int | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_source(self):
        given = [f for f in IDX_FIELDS if getattr(self, f) is not None]
        if self.npz is not None and given:
            raise SpecError("task.npz", self.npz, "either npz or the four IDX paths, not both")
        if self.npz is None and len(given) != 4:
            missing = [f for f in IDX_FIELDS if f not in given]
            raise SpecError("task." + missing[0], None, "a path (give all of "
                            + ", ".join(IDX_FIELDS) + ", or npz)")
        return self


def _read_npz(path_text: str) -> list[np.ndarray]:
    path = Path(path_text).expanduser()
    problem = None
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in NPZ_KEYS if k not in archive.files]
            if not missing:
                return [np.asarray(archive[k]) for k in NPZ_KEYS]
            problem = f"missing key(s) {missing}; it has {sorted(archive.files)}"
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        problem = f"cannot read it as .npz: {exc}"
    raise SpecError("task.npz", str(path), "a .npz with x_train, y_train, x_test, y_test",
                    problem)


def _labels(y: np.ndarray, field: str, source: str) -> torch.Tensor:
    y = np.asarray(y).reshape(len(y), -1)
    if y.shape[1] != 1 or y.dtype.kind not in "iu" or (y < 0).any():
        raise SpecError(field, source, "labels: one non-negative integer per image",
                        f"got dtype {y.dtype}, shape {y.shape}")
    return torch.tensor(y[:, 0].astype(np.int64))


def _scale(train: np.ndarray, test: np.ndarray, mode: str) -> tuple[np.ndarray, np.ndarray]:
    if mode == "none":
        return train.astype(np.float32), test.astype(np.float32)
    if train.dtype.kind in "iu":
        top = float(np.iinfo(train.dtype).max)
        return (train / top).astype(np.float32), (test / top).astype(np.float32)
    lo, hi = float(train.min()), float(train.max())
    if lo >= 0 and hi <= 1:
        return train.astype(np.float32), test.astype(np.float32)
    span = hi - lo if hi > lo else 1.0
    return ((train - lo) / span).astype(np.float32), ((test - lo) / span).astype(np.float32)


@register_task
class ImageFiles(FiniteTask):
    """Images from IDX files or a .npz, flattened and scaled to [0, 1]; classification."""

    name = "image-files"
    kind = "classification"
    Params = ImageFilesParams
    description = "user images: MNIST-style IDX files or .npz (x_train, ...), flattened"

    def __init__(self, params: ImageFilesParams):
        super().__init__(params)
        if params.npz is not None:
            arrays = _read_npz(params.npz)
            sources = ["task.npz"] * 4
            names = [f"{params.npz}[{k}]" for k in NPZ_KEYS]
        else:
            arrays = [read_idx(getattr(params, f), f"task.{f}") for f in IDX_FIELDS]
            sources = [f"task.{f}" for f in IDX_FIELDS]
            names = [getattr(params, f) for f in IDX_FIELDS]
        x_train, y_train, x_test, y_test = arrays
        for images, labels, i in ((x_train, y_train, 0), (x_test, y_test, 2)):
            if images.ndim < 2 or len(images) != len(labels) or len(images) == 0:
                raise SpecError(sources[i], names[i], "images [n, ...] with one label each",
                                f"{images.shape} images but {len(labels)} labels in "
                                f"{names[i + 1]}")
        if x_train.shape[1:] != x_test.shape[1:]:
            raise SpecError(sources[2], names[2], f"test images of the training images' shape "
                            f"{x_train.shape[1:]}", f"they have shape {x_test.shape[1:]}")
        x_train, y_train = x_train[:params.max_train], y_train[:params.max_train]
        x_test, y_test = x_test[:params.max_test], y_test[:params.max_test]
        train, test = _scale(x_train.reshape(len(x_train), -1),
                             x_test.reshape(len(x_test), -1), params.scale)
        self._set_data(Dataset(torch.from_numpy(train), _labels(y_train, sources[1], names[1])),
                       Dataset(torch.from_numpy(test), _labels(y_test, sources[3], names[3])))
