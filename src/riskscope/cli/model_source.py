"""Load a user's model and data for `riskscope probe`.

MODEL: `package.module:factory` (imported from the Python path) or `path/to/file.py[:factory]`
(the file is run as a module, like `python file.py` would; default factory name `model`). The
factory is called without arguments and must return an `nn.Module`.
Weights (optional): a `.safetensors` file, or a PyTorch state dict (`.pt`, `.pth`, `.bin`)
read with `torch.load(weights_only=True)` (never unpickled); loaded strictly, so a missing,
unexpected or misshapen tensor is an error naming it.
DATA: a `.npz` (keys x, y[, x_test, y_test]; x may have any shape per example, e.g. images
[n, C, H, W]) or `.csv` file (label last), or the name of a registered task
(`riskscope tasks`), sampled with a seed. Integer-valued labels become class indices.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.core.module_files import load_module_file
from riskscope.tasks.base import Dataset

__all__ = ["load_data", "load_model", "load_weights"]


def _factory(model_ref: str):
    target, _, name = model_ref.partition(":")
    if target.endswith(".py"):
        path = Path(target).expanduser()
        if not path.is_file():
            raise SpecError("MODEL", model_ref, "package.module:factory or an existing "
                            "file.py[:factory]", f"no file {path}")
        try:
            module = load_module_file(path, "riskscope_user_model_")
        except Exception as exc:
            raise SpecError("MODEL", model_ref, "a Python file that runs",
                            f"running it raised {type(exc).__name__}: {exc}") from None
        name = name or "model"
    else:
        if not name:
            raise SpecError("MODEL", model_ref, "package.module:factory or file.py[:factory]")
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise SpecError("MODEL", model_ref, "an importable module:factory",
                            f"import failed: {exc}") from None
    factory = getattr(module, name, None)
    if not callable(factory):
        found = sorted(n for n, v in vars(module).items()
                       if callable(v) and not n.startswith("_"))[:12]
        raise SpecError("MODEL", model_ref, f"a callable {name!r} in {target}",
                        f"it defines {', '.join(found) or 'no public callables'}")
    return factory


def load_model(model_ref: str, weights: str | None = None) -> tuple[nn.Module, nn.Module]:
    """(the model with `weights` loaded, a second fresh model from the same factory: an
    initialization drawn independently of the data, for the certificate's prior)."""
    factory = _factory(model_ref)
    model, fresh = factory(), factory()
    if not isinstance(model, nn.Module):
        raise SpecError("MODEL", model_ref, "a factory returning a torch nn.Module",
                        f"it returned {type(model).__name__}")
    if weights is not None:
        load_weights(model, weights)
    model.eval()
    fresh.eval()
    return model, fresh


def load_weights(model: nn.Module, path_text: str) -> None:
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise SpecError("--weights", path_text, "an existing .safetensors or .pt file")
    if path.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            state = load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise SpecError("--weights", path_text, "a valid safetensors file",
                            str(exc)) from None
    else:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # weights_only refuses anything but tensors and containers
            raise SpecError("--weights", path_text, "a PyTorch state dict (tensors only, "
                            "loaded with weights_only=True) or a .safetensors file",
                            f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                            ) from None
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise SpecError("--weights", path_text, "a state dict: names mapped to tensors",
                        f"it holds a {type(state).__name__}")
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    wrong = sorted(f"{k}: file {tuple(state[k].shape)}, model {tuple(own[k].shape)}"
                   for k in set(own) & set(state) if state[k].shape != own[k].shape)
    if missing or extra or wrong:
        problems = ([f"missing {missing[:5]}"] if missing else []) + \
            ([f"unexpected {extra[:5]}"] if extra else []) + ([f"shapes {wrong[:5]}"]
                                                               if wrong else [])
        raise SpecError("--weights", path_text, "the state dict of the MODEL's architecture",
                        "; ".join(problems))
    model.load_state_dict(state)


def _labels(y: np.ndarray) -> torch.Tensor:
    if y.ndim == 1 and np.all(y == np.round(y)):
        return torch.as_tensor(y.astype(np.int64))
    return torch.as_tensor(y, dtype=torch.float32)


def _reshape(x: np.ndarray, input_shape: tuple[int, ...] | None, field: str) -> np.ndarray:
    if input_shape is None:
        return x
    per_example = int(np.prod(x.shape[1:]))
    if per_example != int(np.prod(input_shape)):
        raise SpecError("--input-shape", ",".join(map(str, input_shape)),
                        f"a shape with {per_example} entries ({field} has shape "
                        f"{tuple(x.shape[1:])} per example)")
    return x.reshape(x.shape[0], *input_shape)


def _from_file(path: str, input_shape) -> tuple[Dataset, Dataset | None]:
    from riskscope.tasks.real.array_files import read_arrays, read_npz

    if path.lower().endswith(".npz") and Path(path).is_file():
        arrays = read_npz(Path(path))
        for key in ("x", "x_test"):
            if key in arrays:
                a = arrays[key]
                if a.dtype.kind not in "biuf" or a.ndim < 1 or len(a) == 0 \
                        or not np.isfinite(a).all():
                    raise SpecError("DATA", path, "finite numbers in x (n examples first)",
                                    f"{key} has dtype {a.dtype}, shape {a.shape}")
                arrays[key] = a.astype(np.float32).reshape(len(a), -1) if a.ndim == 1 \
                    else a.astype(np.float32)
        for kx, ky in (("x", "y"), ("x_test", "y_test")):
            if kx in arrays and len(arrays[kx]) != len(arrays[ky]):
                raise SpecError("DATA", path, f"as many rows in {ky} as in {kx}",
                                f"{kx} has {len(arrays[kx])}, {ky} has {len(arrays[ky])}")
    else:
        arrays = read_arrays(path)
    train = Dataset(torch.as_tensor(_reshape(arrays["x"], input_shape, "x"), dtype=torch.float32),
                    _labels(np.asarray(arrays["y"])))
    test = None
    if "x_test" in arrays:
        test = Dataset(torch.as_tensor(_reshape(arrays["x_test"], input_shape, "x_test"),
                                       dtype=torch.float32), _labels(np.asarray(arrays["y_test"])))
    return train, test


def load_data(data_ref: str, samples: int = 512, seed: int = 0,
              input_shape: tuple[int, ...] | None = None) -> tuple[Dataset, Dataset | None]:
    """(training data, test data or None) from a file or a registered task's name."""
    if data_ref.lower().endswith((".npz", ".csv")):
        return _from_file(data_ref, input_shape)
    from riskscope.core.rng import torch_generator
    from riskscope.tasks.registry import make_task, task_names

    if data_ref not in task_names():
        from riskscope.core.errors import unknown_name_error

        raise unknown_name_error("DATA", data_ref, [*task_names(), "<file>.npz", "<file>.csv"])
    task = make_task(data_ref, {})
    train = task.sample(samples, torch_generator(seed))
    test = task.holdout() if task.finite else task.sample(samples, torch_generator(seed + 1))
    x = train.x.numpy()
    xt = test.x.numpy()
    if input_shape is not None:
        train = Dataset(torch.as_tensor(_reshape(x, input_shape, "x")), train.y)
        test = Dataset(torch.as_tensor(_reshape(xt, input_shape, "x_test")), test.y)
    return train, test
