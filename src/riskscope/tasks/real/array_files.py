"""Reading user data files (.npz, .csv) into checked float64 arrays; every problem is a SpecError.

.npz: keys `x`, `y` and optionally both `x_test`, `y_test`; loaded with allow_pickle=False (object
arrays are refused: never unpickle what a user was sent). .csv: comma-separated numbers, the last
column is the label; a first row that is not all numbers is taken as a header.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np

from riskscope.core.errors import SpecError

ALLOWED_NPZ_KEYS = ("x", "y", "x_test", "y_test")


def _fail(path: Path, problem: str) -> SpecError:
    return SpecError("path", str(path), "a readable .npz (keys x, y[, x_test, y_test]) or "
                     ".csv (numbers, label last) file", problem)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def read_csv(path: Path) -> dict[str, np.ndarray]:
    try:
        with path.open(newline="") as handle:
            rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _fail(path, f"cannot read it as CSV: {exc}") from None
    if rows and not all(_is_number(cell) for cell in rows[0]):
        rows = rows[1:]                                   # header
    if not rows:
        raise _fail(path, "it has no data rows")
    width = len(rows[0])
    if width < 2:
        raise _fail(path, "it needs at least two columns (features, then the label)")
    values = np.empty((len(rows), width))
    for line, row in enumerate(rows, start=1):
        if len(row) != width:
            raise _fail(path, f"data row {line} has {len(row)} columns, the first has {width}")
        try:
            values[line - 1] = [float(cell) for cell in row]
        except ValueError:
            raise _fail(path, f"data row {line} holds a value that is not a number") from None
    return {"x": values[:, :-1], "y": values[:, -1]}


def read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = set(archive.files)
            missing = {"x", "y"} - keys
            if missing:
                raise _fail(path, f"missing key(s) {sorted(missing)}; it has {sorted(keys)}")
            if ("x_test" in keys) != ("y_test" in keys):
                raise _fail(path, "give both x_test and y_test, or neither")
            return {key: np.asarray(archive[key]) for key in ALLOWED_NPZ_KEYS if key in keys}
    except SpecError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise _fail(path, f"cannot read it as .npz: {exc}") from None


def _check_pair(path: Path, x: np.ndarray, y: np.ndarray, suffix: str) -> tuple:
    if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise _fail(path, f"x{suffix} and y{suffix} must hold numbers "
                    f"(dtypes {x.dtype}, {y.dtype})")
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise _fail(path, f"x{suffix} must be 1-D or 2-D [n, features], has shape {x.shape}")
    if y.ndim not in (1, 2):
        raise _fail(path, f"y{suffix} must be 1-D or 2-D, has shape {y.shape}")
    if len(x) != len(y):
        raise _fail(path, f"x{suffix} has {len(x)} rows but y{suffix} has {len(y)}")
    if len(x) == 0:
        raise _fail(path, f"x{suffix} is empty")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise _fail(path, f"x{suffix} or y{suffix} holds NaN or infinite values")
    return x, y


def read_arrays(path_text: str) -> dict[str, np.ndarray]:
    """The checked arrays of a .npz or .csv file (x 2-D float64, y 1-D or 2-D float64)."""
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise _fail(path, "no such file")
    suffix = path.suffix.lower()
    if suffix not in (".npz", ".csv"):
        raise _fail(path, f"unknown extension {suffix!r}; use .npz or .csv")
    arrays = read_npz(path) if suffix == ".npz" else read_csv(path)
    arrays["x"], arrays["y"] = _check_pair(path, arrays["x"], arrays["y"], "")
    if "x_test" in arrays:
        arrays["x_test"], arrays["y_test"] = _check_pair(path, arrays["x_test"],
                                                         arrays["y_test"], "_test")
        if arrays["x_test"].shape[1] != arrays["x"].shape[1]:
            raise _fail(path, f"x_test has {arrays['x_test'].shape[1]} features, "
                        f"x has {arrays['x'].shape[1]}")
        if arrays["y_test"].shape[1:] != arrays["y"].shape[1:]:
            raise _fail(path, "y_test and y have different shapes per example")
    return arrays
