"""Reading IDX files, the format of MNIST (LeCun et al. 1998) and its relatives.

Layout (all big-endian): two zero bytes, a type byte, the number of dimensions k, then k
unsigned 32-bit sizes, then the values in C order. Type bytes: 0x08 uint8, 0x09 int8, 0x0B
int16, 0x0C int32, 0x0D float32, 0x0E float64. Files ending in `.gz` are decompressed
transparently (MNIST is distributed gzipped). Every problem (wrong magic, unknown type,
truncated header or data, trailing bytes) is a SpecError naming the file and what is wrong.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from riskscope.core.errors import SpecError

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
TYPE_CODES = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}


def _fail(field: str, path: Path, problem: str) -> SpecError:
    return SpecError(field, str(path), "an IDX file (MNIST format: 0x00 0x00 type ndim, "
                     "big-endian uint32 sizes, then the values)", problem)


def _read_bytes(path: Path, field: str) -> bytes:
    if not path.is_file():
        raise _fail(field, path, "no such file")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise _fail(field, path, f"cannot read it: {exc}") from None


def read_idx(path_text: str, field: str = "path") -> np.ndarray:
    """The array stored in an IDX file (native byte order)."""
    path = Path(path_text).expanduser()
    raw = _read_bytes(path, field)
    if len(raw) < 4:
        raise _fail(field, path, f"truncated header: {len(raw)} bytes, the magic number needs 4")
    zero1, zero2, code, ndim = raw[:4]
    if zero1 or zero2:
        raise _fail(field, path, f"wrong magic number 0x{raw[:4].hex()}: the first two bytes "
                    "must be zero")
    if code not in IDX_TYPES:
        raise _fail(field, path, f"unknown type code 0x{code:02x}; known: "
                    + ", ".join(f"0x{k:02x}" for k in IDX_TYPES))
    if ndim == 0:
        raise _fail(field, path, "zero dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise _fail(field, path, f"truncated header: {ndim} dimensions need {header} bytes, "
                    f"the file has {len(raw)}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(IDX_TYPES[code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header
    if found < expected:
        raise _fail(field, path, f"truncated data: shape {shape} of {dtype.name} needs "
                    f"{expected} bytes, the file has {found}")
    if found > expected:
        raise _fail(field, path, f"{found - expected} bytes after the data of shape {shape}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(
        dtype.newbyteorder("="))


def write_idx(path_text: str, array: np.ndarray) -> None:
    """Write `array` as an IDX file (used by tests and to convert data)."""
    array = np.asarray(array)
    code = TYPE_CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise SpecError("array.dtype", str(array.dtype), "one of uint8, int8, int16, int32, "
                        "float32, float64")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = array.astype(np.dtype(IDX_TYPES[code])).tobytes()
    opener = gzip.open if str(path_text).endswith(".gz") else open
    with opener(path_text, "wb") as handle:
        handle.write(header + data)
