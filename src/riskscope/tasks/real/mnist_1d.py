"""MNIST-1D (`mnist1d`): Greydanus 2020, "Scaling down deep learning" (arXiv:2011.14439).

Each example is one of 10 one-dimensional digit templates (`mnist1d.data.get_templates`) passed
through the package's random transformation (pad, dilate, scale, translate, correlated and i.i.d.
noise, shear, resample to `final_seq_length` points), with the package's default settings
(`mnist1d.data.get_dataset_args`) except the two noise scales, which are parameters here.

A genuine distribution, so any number of samples: `sample(n, rng)` draws n labels uniformly from
0..9 and a numpy seed from the torch generator `rng`, then generates fresh signals. `finite` is
False, yet there is no ground truth (no Bayes risk).

Conventions and departures from the package's `make_dataset`:
- The package normalizes a data set by its own scalar mean and std. Here the scalar mean and std
  are FIXED: computed once (per parameter set, cached in this module) from a reference sample of
  4000 signals (labels 0..9 cycling, numpy seed 0), so every sample comes from one distribution.
- The package draws from numpy's *global* random state. Generation seeds it, runs, and restores
  the previous global `numpy.random` and `random` states in a `finally` block (under a lock), so
  no caller-visible global state changes. Do not use `numpy.random` from another thread while
  samples are generated.
- `mnist1d.transform.transform` interpolates with `scipy.interpolate.interp1d`, built three
  times per signal. `_transform_signal` performs the same steps with the same random draws in
  the same order, with `numpy.interp` (the same linear interpolation) and without the unused
  time axis: about 5× faster; the tests check it equals `transform` for the same seed.
"""

from __future__ import annotations

import importlib
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np
import torch
from pydantic import Field

from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset, Task
from riskscope.tasks.registry import register_task

NUM_CLASSES = 10
REFERENCE_SIZE = 4000
REFERENCE_SEED = 0
_GLOBAL_RANDOM_LOCK = threading.Lock()


class Mnist1dParams(Params):
    final_seq_length: int = Field(40, ge=2, le=10_000)
    corr_noise_scale: float = Field(0.25, ge=0.0, allow_inf_nan=False)
    iid_noise_scale: float = Field(0.02, ge=0.0, allow_inf_nan=False)


@contextmanager
def preserved_global_random_state() -> Iterator[None]:
    """Run a block that uses numpy's / Python's global RNGs, then put their states back."""
    with _GLOBAL_RANDOM_LOCK:
        numpy_state = np.random.get_state()
        python_state = random.getstate()
        try:
            yield
        finally:
            np.random.set_state(numpy_state)
            random.setstate(python_state)


@cache
def _package() -> tuple:
    """The mnist1d pieces, imported on first use (the package imports matplotlib)."""
    from mnist1d.data import get_dataset_args, get_templates

    # `mnist1d.transform` the attribute is the function (re-exported by the package's
    # __init__); the module holding pad/shear/... is reached through importlib.
    transform_module = importlib.import_module("mnist1d.transform")
    return get_templates(), get_dataset_args(as_dict=True), transform_module


def dataset_args(params: Mnist1dParams):
    """The package's default arguments with this task's parameters substituted."""
    from mnist1d.utils import ObjectView

    args = dict(_package()[1])
    args.update(final_seq_length=params.final_seq_length,
                corr_noise_scale=params.corr_noise_scale, iid_noise_scale=params.iid_noise_scale)
    return ObjectView(args)


def _resample(x: np.ndarray, length: int) -> np.ndarray:
    return np.interp(np.linspace(0, 1, length), np.linspace(0, 1, len(x)), x)


def _transform_signal(template: np.ndarray, args, eps: float = 1e-8) -> np.ndarray:
    """`mnist1d.transform.transform` (signal only), step for step, with numpy.interp."""
    tr = _package()[2]
    x = tr.pad(template + eps, args.padding)
    x = _resample(x, args.template_len + args.padding[-1])
    x *= 1 + args.scale_coeff * (np.random.rand() - 0.5)
    x = tr.translate(x, args.max_translation)
    mask = x != 0
    x = mask * x + (1 - mask) * tr.corr_noise_like(x, args.corr_noise_scale)
    x = x + tr.iid_noise_like(x, args.iid_noise_scale)
    x = tr.shear(x, args.shear_scale)
    return _resample(x, args.final_seq_length)


def generate_raw(labels: np.ndarray, seed: int, params: Mnist1dParams) -> np.ndarray:
    """Unnormalized signals [n, final_seq_length] (float64) for the given labels."""
    templates = _package()[0]["x"]
    args = dataset_args(params)
    with preserved_global_random_state():
        np.random.seed(seed)
        rows = [_transform_signal(templates[label], args) for label in labels]
    return np.stack(rows) if rows else np.zeros((0, params.final_seq_length))


@cache
def reference_statistics(params: Mnist1dParams) -> tuple[float, float]:
    """Scalar (mean, std) of a fixed reference sample; see the module docstring."""
    labels = np.arange(REFERENCE_SIZE) % NUM_CLASSES
    raw = generate_raw(labels, REFERENCE_SEED, params)
    return float(raw.mean()), float(raw.std())


@register_task
class Mnist1d(Task):
    """MNIST-1D signals generated on demand; labels uniform over 10 classes."""

    name = "mnist1d"
    kind = "classification"
    Params = Mnist1dParams
    description = "MNIST-1D (Greydanus 2020), generated on demand, 10 classes, 40 features"
    has_ground_truth = False
    finite = False

    def __init__(self, params: Mnist1dParams):
        super().__init__(params)
        self.input_dim = params.final_seq_length
        self.output_dim = NUM_CLASSES
        self.num_classes = NUM_CLASSES

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        labels = torch.randint(0, NUM_CLASSES, (n,), generator=rng)
        seed = int(torch.randint(0, 2**32, (1,), generator=rng))
        raw = generate_raw(labels.numpy(), seed, self.params)
        mean, std = reference_statistics(self.params)
        x = torch.tensor((raw - mean) / std, dtype=torch.float32)
        return Dataset(x, labels.to(torch.int64))
