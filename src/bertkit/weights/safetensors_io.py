"""Read and write ``.safetensors`` files with numpy alone, on every Keras backend.

The format is an 8-byte little-endian header length, a JSON header mapping each tensor name to
``dtype``, ``shape`` and ``data_offsets``, then the raw bytes. Reading it directly (instead of
through a framework) lets bertkit read BF16 tensors into numpy (as float32) and say exactly what
is wrong with a truncated or malformed file.
"""

from __future__ import annotations

import json
import mmap
import os
import struct

import numpy as np

from bertkit.errors import CheckpointError, CheckpointNotFoundError

_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": np.uint16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8,
    "BOOL": np.bool_,
}
_MAX_HEADER = 100 * 1024 * 1024


def bfloat16_bits_to_float32(bits: np.ndarray) -> np.ndarray:
    """Widen raw bfloat16 bit patterns (uint16) to float32 exactly."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def read_safetensors(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load every tensor of a safetensors file as numpy (BF16 widened to float32)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointNotFoundError(f"{path}: safetensors file not found.")
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        if size < 8:
            raise CheckpointError(f"{path}: {size} bytes is too short for a safetensors file.")
        (header_len,) = struct.unpack("<Q", f.read(8))
        if header_len > min(size - 8, _MAX_HEADER):
            raise CheckpointError(
                f"{path}: header length {header_len} does not fit in a {size}-byte file "
                "(not a safetensors file, or truncated).")
        try:
            header = json.loads(f.read(header_len))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise CheckpointError(f"{path}: header is not valid JSON ({err}).") from None
        data_start = 8 + header_len
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size > data_start else b""
    tensors: dict[str, np.ndarray] = {}
    try:
        for name, info in header.items():
            if name == "__metadata__":
                continue
            dtype_name = info.get("dtype")
            if dtype_name not in _DTYPES:
                raise CheckpointError(f"{path}: tensor {name!r} has unsupported dtype {dtype_name!r}.")
            begin, end = info["data_offsets"]
            shape = tuple(info["shape"])
            if data_start + end > size:
                raise CheckpointError(
                    f"{path}: tensor {name!r} needs bytes {data_start + begin}..{data_start + end} "
                    f"but the file has {size} bytes (truncated?).")
            dtype = np.dtype(_DTYPES[dtype_name]).newbyteorder("<")
            expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if end - begin != expected:
                raise CheckpointError(
                    f"{path}: tensor {name!r} of shape {shape} and dtype {dtype_name} needs "
                    f"{expected} bytes, header gives {end - begin}.")
            array = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize,
                                  offset=data_start + begin).reshape(shape)
            array = bfloat16_bits_to_float32(array) if dtype_name == "BF16" else array.copy()
            tensors[name] = array.astype(array.dtype.newbyteorder("="), copy=False)
    finally:
        if isinstance(data, mmap.mmap):
            data.close()
    return tensors


def write_safetensors(path: str | os.PathLike, tensors: dict[str, np.ndarray],
                      metadata: dict[str, str] | None = None) -> None:
    """Write numpy arrays as a safetensors file (through the ``safetensors`` package)."""
    from safetensors.numpy import save_file

    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, os.fspath(path),
              metadata=metadata)
