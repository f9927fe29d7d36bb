"""Read TensorFlow checkpoints (the V2 "tensor bundle" format) without TensorFlow.

Google's BERT releases ship ``bert_model.ckpt.index`` + ``bert_model.ckpt.data-00000-of-00001``.
This module reads them in pure Python + numpy:

* ``<prefix>.index`` is a LevelDB-style SSTable (TensorFlow's ``tensorflow/core/lib/io/table*``):
  data blocks of prefix-compressed ``key -> value`` entries with a restart array, each block
  followed by a 5-byte trailer (compression type byte + masked CRC32C of contents and type byte),
  an (empty) meta-index block, an index block mapping to the data blocks, and a 48-byte footer
  (two ``BlockHandle`` varint pairs padded to 40 bytes + the magic ``0xdb4775248b80fb57``).
* The entry with the empty key is a ``BundleHeaderProto`` (number of data shards, endianness,
  format version); every other entry is a ``BundleEntryProto`` (dtype, shape, shard id, byte
  offset and size in the data file, masked CRC32C of those bytes, and slices for partitioned
  variables). Both are decoded with a minimal protobuf wire-format decoder.
* ``<prefix>.data-%05d-of-%05d`` hold the raw tensor bytes (C order, in the writer's byte order).

Every block checksum in the index is verified when the reader is built; the checksum of a tensor's
bytes is verified when it is read (``verify_checksums=True``, the default). CRC32C (Castagnoli) is
computed with numpy over many lanes at once, fast enough for a 400 MB checkpoint (see `crc32c`).

Supported dtypes: float16/32/64, bfloat16 (returned as float32: each value is widened exactly by
shifting its 16 bits into the high half of a float32), int8/16/32/64, uint8/16/32/64, bool,
complex64/128. String, variant, resource, quantized and float8/int4 tensors, and partitioned
(sliced) variables are not read: they are left out of `TFCheckpointReader.variables`, listed with
the reason in `TFCheckpointReader.skipped`, and `TFCheckpointReader.read` raises a clear
`CheckpointError` for them. TensorFlow 1's older single-file (V1) checkpoint format is not read.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bertkit.errors import CheckpointError, CheckpointNotFoundError, VariableNotFoundError

__all__ = [
    "TensorInfo",
    "TFCheckpointReader",
    "VariableNotFoundError",
    "crc32c",
    "mask_crc32c",
    "read_tf_checkpoint",
    "unmask_crc32c",
]


# ----------------------------------------------------------------------------------------------
# CRC32C (Castagnoli)
# ----------------------------------------------------------------------------------------------

_CRC_POLY = 0x82F63B78  # reflected Castagnoli polynomial
_MASK_DELTA = 0xA282EAD8
_U32 = 0xFFFFFFFF


def _make_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _CRC_POLY if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _make_table()
# _T[k][b]: the register contribution of byte b followed by k zero bytes ("slicing-by-4" tables).
_T = np.zeros((4, 256), dtype=np.uint32)
_T[0] = _TABLE
for _k in range(1, 4):
    _T[_k] = _T[0][_T[_k - 1] & 0xFF] ^ (_T[_k - 1] >> 8)
# 16-bit tables: a 4-byte little-endian word x (already xored with the register) updates the
# register to _U_LO[x & 0xFFFF] ^ _U_HI[x >> 16].
_V16 = np.arange(1 << 16, dtype=np.uint32)
_U_LO = _T[3][_V16 & 0xFF] ^ _T[2][_V16 >> 8]
_U_HI = _T[1][_V16 & 0xFF] ^ _T[0][_V16 >> 8]
del _V16, _k

# Below this many bytes a plain Python table loop is faster than setting up numpy lanes.
_PY_THRESHOLD = 1024
_MIN_LANE_BYTES = 64
_MAX_LANES_LOG2 = 16


def _crc32c_py(data: bytes | bytearray | memoryview, crc: int) -> int:
    reg = crc ^ _U32
    table = _TABLE
    for b in data:
        reg = table[(reg ^ b) & 0xFF] ^ (reg >> 8)
    return reg ^ _U32


# A linear map on 32-bit CRC registers is stored as 4x256 uint32 tables: M(x) is the XOR of
# tab[i][byte i of x]. "Zero operators" Z_n map the CRC of a message A to its contribution to
# the CRC of A followed by n other bytes: crc(A + B) == Z_len(B)(crc(A)) ^ crc(B) (this is
# zlib's crc32_combine, vectorised).


def _op_apply(tab: np.ndarray, x: np.ndarray) -> np.ndarray:
    return tab[0][x & 0xFF] ^ tab[1][(x >> 8) & 0xFF] ^ tab[2][(x >> 16) & 0xFF] ^ tab[3][x >> 24]


def _op_compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The table of ``a(b(x))``."""
    return _op_apply(a, b)


def _one_zero_byte_op() -> np.ndarray:
    shifts = (np.arange(4, dtype=np.uint32) * 8)[:, None]
    x = np.arange(256, dtype=np.uint32)[None, :] << shifts
    return _T[0][x & 0xFF] ^ (x >> 8)


# Z_{2**k} for k < 64, built once at import (about a millisecond) so that no thread mutates it.
_ZERO_POW2_OPS: list[np.ndarray] = [_one_zero_byte_op()]
for _k in range(63):
    _ZERO_POW2_OPS.append(_op_compose(_ZERO_POW2_OPS[-1], _ZERO_POW2_OPS[-1]))
for _op in _ZERO_POW2_OPS:
    _op.setflags(write=False)
del _k, _op


@functools.lru_cache(maxsize=128)
def _zeros_op(nbytes: int) -> np.ndarray:
    """The operator appending ``nbytes`` zero bytes (``0 <= nbytes < 2**64``)."""
    result = None
    k = 0
    while nbytes:
        if nbytes & 1:
            op = _ZERO_POW2_OPS[k]
            result = op if result is None else _op_compose(op, result)
        nbytes >>= 1
        k += 1
    if result is None:  # zero bytes: the identity
        shifts = (np.arange(4, dtype=np.uint32) * 8)[:, None]
        result = np.arange(256, dtype=np.uint32)[None, :] << shifts
    if result.flags.writeable:
        result.setflags(write=False)
    return result


def _crc32c_lanes(buf: np.ndarray, crc: int) -> int:
    """CRC32C of a uint8 array: split into up to 65536 equal lanes processed side by side."""
    n = buf.size
    if n < _PY_THRESHOLD:
        return _crc32c_py(buf.tobytes(), crc)
    lanes_log2 = min(_MAX_LANES_LOG2, (n // _MIN_LANE_BYTES).bit_length() - 1)
    lanes = 1 << lanes_log2
    lane_words = n // (4 * lanes)
    lane_bytes = 4 * lane_words
    head = n - lanes * lane_bytes
    if head:
        crc = _crc32c_lanes(buf[:head], crc)
    words = buf[head:].view("<u4").reshape(lanes, lane_words)
    reg = np.full(lanes, _U32, dtype=np.uint32)
    reg[0] = crc ^ _U32  # lane 0 carries on from everything before it
    lo = np.empty(lanes, dtype=np.uint32)
    hi = np.empty(lanes, dtype=np.uint32)
    for j in range(lane_words):
        np.bitwise_xor(reg, words[:, j], out=reg)
        np.bitwise_and(reg, 0xFFFF, out=lo)
        np.right_shift(reg, 16, out=hi)
        np.take(_U_LO, lo, out=reg)
        np.take(_U_HI, hi, out=lo)
        np.bitwise_xor(reg, lo, out=reg)
    crcs = reg ^ np.uint32(_U32)
    length = lane_bytes
    while crcs.size > 1:  # combine neighbouring lanes pairwise
        crcs = _op_apply(_zeros_op(length), crcs[0::2]) ^ crcs[1::2]
        length *= 2
    return int(crcs[0])


def crc32c(data: bytes | bytearray | memoryview | np.ndarray, crc: int = 0) -> int:
    """CRC32C (Castagnoli) of ``data``, continuing from ``crc`` (the CRC of what came before).

    ``crc32c(b + c) == crc32c(c, crc32c(b))``, like ``zlib.crc32``. Buffers of a few KB or more
    are processed with numpy: the buffer is cut into up to 65536 lanes whose CRCs advance together
    4 bytes per step through 16-bit lookup tables, then the lane CRCs are combined pairwise with
    GF(2) "append n zero bytes" operators (zlib's ``crc32_combine``). About 0.2 s per 100 MB.
    Numpy arrays are checksummed over their raw bytes in C order.
    """
    crc &= _U32
    if isinstance(data, np.ndarray):
        buf = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    else:
        if len(data) < _PY_THRESHOLD and isinstance(data, (bytes, bytearray)):
            return _crc32c_py(data, crc)
        buf = np.frombuffer(data, dtype=np.uint8)
    return _crc32c_lanes(buf, crc)


def mask_crc32c(crc: int) -> int:
    """The "masked" CRC that TensorFlow and LevelDB store (a rotation plus a constant)."""
    crc &= _U32
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & _U32


def unmask_crc32c(masked: int) -> int:
    """Inverse of `mask_crc32c`."""
    rot = (masked - _MASK_DELTA) & _U32
    return ((rot >> 17) | (rot << 15)) & _U32


# ----------------------------------------------------------------------------------------------
# Protobuf wire format (just what the bundle protos need)
# ----------------------------------------------------------------------------------------------


class _Malformed(Exception):
    """Internal: bytes that do not decode; re-raised as CheckpointError with the file named."""


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise _Malformed("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise _Malformed("varint longer than 10 bytes")


def _signed64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


_Fields = dict[int, list[tuple[int, "int | bytes"]]]


def _parse_message(buf: bytes) -> _Fields:
    """Decode a message into ``{field number: [(wire type, value), ...]}`` (unknown fields too)."""
    fields: _Fields = {}
    pos, end = 0, len(buf)
    while pos < end:
        tag, pos = _varint(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise _Malformed("field number 0")
        value: int | bytes
        if wire == 0:
            value, pos = _varint(buf, pos, end)
        elif wire == 1:
            if pos + 8 > end:
                raise _Malformed("truncated fixed64 field")
            value = int.from_bytes(buf[pos:pos + 8], "little")
            pos += 8
        elif wire == 2:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise _Malformed(
                    f"field {number} is {length} bytes long but the message ends first")
            value = bytes(buf[pos:pos + length])
            pos += length
        elif wire == 5:
            if pos + 4 > end:
                raise _Malformed("truncated fixed32 field")
            value = int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        else:
            raise _Malformed(f"unsupported protobuf wire type {wire} (field {number})")
        fields.setdefault(number, []).append((wire, value))
    return fields


def _get_int(fields: _Fields, number: int, default: int = 0) -> int:
    """A singular int32/int64/enum/bool field (last occurrence wins, as in protobuf)."""
    if number not in fields:
        return default
    wire, value = fields[number][-1]
    if wire != 0:
        raise _Malformed(f"field {number} should be a varint but has wire type {wire}")
    return _signed64(value)  # type: ignore[arg-type]


def _get_fixed32(fields: _Fields, number: int) -> int | None:
    if number not in fields:
        return None
    wire, value = fields[number][-1]
    if wire != 5:
        raise _Malformed(f"field {number} should be a fixed32 but has wire type {wire}")
    return value  # type: ignore[return-value]


def _get_message(fields: _Fields, number: int) -> _Fields | None:
    """A singular embedded message; repeated occurrences merge, as in protobuf."""
    if number not in fields:
        return None
    return _parse_message(b"".join(_bytes_items(fields, number)))


def _bytes_items(fields: _Fields, number: int) -> list[bytes]:
    out = []
    for wire, value in fields.get(number, ()):
        if wire != 2:
            raise _Malformed(f"field {number} should be length-delimited but has wire type {wire}")
        out.append(value)  # type: ignore[arg-type]
    return out


def _get_repeated_int(fields: _Fields, number: int) -> list[int]:
    """A repeated int field, packed or not."""
    out: list[int] = []
    for wire, value in fields.get(number, ()):
        if wire == 0:
            out.append(_signed64(value))  # type: ignore[arg-type]
        elif wire == 2:
            pos = 0
            while pos < len(value):  # type: ignore[arg-type]
                v, pos = _varint(value, pos, len(value))  # type: ignore[arg-type]
                out.append(_signed64(v))
        else:
            raise _Malformed(f"field {number} should be varints but has wire type {wire}")
    return out


# ----------------------------------------------------------------------------------------------
# The SSTable holding the index
# ----------------------------------------------------------------------------------------------

_TABLE_MAGIC = 0xDB4775248B80FB57
_FOOTER_SIZE = 48
_BLOCK_TRAILER_SIZE = 5
_NO_COMPRESSION = 0
_SNAPPY_COMPRESSION = 1


def _decode_handle(buf: bytes, pos: int, end: int) -> tuple[int, int, int]:
    offset, pos = _varint(buf, pos, end)
    size, pos = _varint(buf, pos, end)
    return offset, size, pos


def _read_block(index: bytes, path: str, offset: int, size: int, what: str) -> bytes:
    """The contents of the block at ``offset``, checksum verified."""
    limit = len(index) - _FOOTER_SIZE
    if offset + size + _BLOCK_TRAILER_SIZE > limit:
        raise CheckpointError(
            f"{path}: the {what} at offset {offset} ({size} bytes + trailer) runs past the end of "
            f"the table ({limit} bytes before the footer); the file is truncated or corrupted.")
    contents = index[offset:offset + size + 1]  # block contents + compression type byte
    stored = int.from_bytes(index[offset + size + 1:offset + size + 5], "little")
    if crc32c(contents) != unmask_crc32c(stored):
        raise CheckpointError(
            f"{path}: {what} at offset {offset} fails its CRC32C checksum "
            "(file corrupted or truncated?)")
    kind = contents[-1]
    if kind == _SNAPPY_COMPRESSION:
        raise CheckpointError(
            f"{path}: the {what} at offset {offset} is Snappy-compressed, which bertkit cannot "
            "read (TensorFlow writes checkpoint indexes uncompressed; this index was written by "
            "something else).")
    if kind != _NO_COMPRESSION:
        raise CheckpointError(
            f"{path}: the {what} at offset {offset} has unknown compression type {kind} "
            "(file corrupted?)")
    return contents[:-1]


def _iter_block(block: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The ``(key, value)`` entries of a block, undoing the shared-prefix key compression."""
    n = len(block)
    if n < 4:
        raise _Malformed(f"block of {n} bytes is too small to hold its restart count")
    num_restarts = int.from_bytes(block[n - 4:], "little")
    entries_end = n - 4 - 4 * num_restarts
    if entries_end < 0:
        raise _Malformed(f"block of {n} bytes cannot hold {num_restarts} restart points")
    restarts = set(struct.unpack_from(f"<{num_restarts}I", block, entries_end))
    if entries_end > 0 and 0 not in restarts:
        raise _Malformed("the block's first entry is not a restart point")
    pos = 0
    key = b""
    while pos < entries_end:
        entry_at = pos
        shared, pos = _varint(block, pos, entries_end)
        non_shared, pos = _varint(block, pos, entries_end)
        value_len, pos = _varint(block, pos, entries_end)
        if shared > len(key) or (entry_at in restarts and shared):
            raise _Malformed(
                f"entry at offset {entry_at} shares {shared} bytes of the previous key")
        if pos + non_shared + value_len > entries_end:
            raise _Malformed(f"entry at offset {entry_at} runs past the end of the block")
        key = key[:shared] + block[pos:pos + non_shared]
        pos += non_shared
        yield key, block[pos:pos + value_len]
        pos += value_len


def _read_table(index: bytes, path: str) -> list[tuple[bytes, bytes]]:
    """All ``(key, value)`` entries of the SSTable ``index``, in key order."""
    if len(index) < _FOOTER_SIZE:
        raise CheckpointError(
            f"{path}: {len(index)} bytes is too small for a TensorFlow checkpoint index "
            f"(at least {_FOOTER_SIZE} needed; truncated?)")
    footer = index[-_FOOTER_SIZE:]
    magic = int.from_bytes(footer[-8:], "little")
    if magic != _TABLE_MAGIC:
        raise CheckpointError(
            f"{path}: not a TensorFlow checkpoint index: bad magic number 0x{magic:016x} at the "
            f"end of the file (expected 0x{_TABLE_MAGIC:016x}; truncated, corrupted, or another "
            "format?)")
    try:
        _, _, pos = _decode_handle(footer, 0, 40)  # meta-index: TensorFlow writes it empty
        index_offset, index_size, _ = _decode_handle(footer, pos, 40)
    except _Malformed as e:
        raise CheckpointError(f"{path}: malformed footer ({e})") from None
    index_block = _read_block(index, path, index_offset, index_size, "index block")
    entries: list[tuple[bytes, bytes]] = []
    try:
        for _, handle in _iter_block(index_block):
            offset, size, end = _decode_handle(handle, 0, len(handle))
            if end != len(handle):
                raise _Malformed("index entry holds more than a block handle")
            block = _read_block(index, path, offset, size, "block")
            try:
                for key, value in _iter_block(block):
                    if entries and key <= entries[-1][0]:
                        raise _Malformed(f"keys are out of order at {key!r}")
                    entries.append((key, value))
            except _Malformed as e:
                raise CheckpointError(f"{path}: malformed block at offset {offset} ({e})") from None
    except _Malformed as e:
        raise CheckpointError(f"{path}: malformed index block ({e})") from None
    return entries


# ----------------------------------------------------------------------------------------------
# Bundle entries
# ----------------------------------------------------------------------------------------------

_DT_BFLOAT16 = 14
# TensorFlow DataType enum -> numpy type code of the stored bytes (byte order added per bundle).
_NUMPY_TYPES: dict[int, str] = {
    1: "f4",  # DT_FLOAT
    2: "f8",  # DT_DOUBLE
    3: "i4",  # DT_INT32
    4: "u1",  # DT_UINT8
    5: "i2",  # DT_INT16
    6: "i1",  # DT_INT8
    8: "c8",  # DT_COMPLEX64
    9: "i8",  # DT_INT64
    10: "b1",  # DT_BOOL
    _DT_BFLOAT16: "u2",  # read as uint16, widened to float32
    17: "u2",  # DT_UINT16
    18: "c16",  # DT_COMPLEX128
    19: "f2",  # DT_HALF
    22: "u4",  # DT_UINT32
    23: "u8",  # DT_UINT64
}
_DTYPE_NAMES = {
    0: "DT_INVALID", 1: "DT_FLOAT", 2: "DT_DOUBLE", 3: "DT_INT32", 4: "DT_UINT8", 5: "DT_INT16",
    6: "DT_INT8", 7: "DT_STRING", 8: "DT_COMPLEX64", 9: "DT_INT64", 10: "DT_BOOL",
    11: "DT_QINT8", 12: "DT_QUINT8", 13: "DT_QINT32", 14: "DT_BFLOAT16", 15: "DT_QINT16",
    16: "DT_QUINT16", 17: "DT_UINT16", 18: "DT_COMPLEX128", 19: "DT_HALF", 20: "DT_RESOURCE",
    21: "DT_VARIANT", 22: "DT_UINT32", 23: "DT_UINT64", 24: "DT_FLOAT8_E5M2",
    25: "DT_FLOAT8_E4M3FN", 29: "DT_INT4", 30: "DT_UINT4",
}
_BUNDLE_VERSION = 1  # kTensorBundleVersion: the consumer version this reader implements


def _dtype_name(code: int) -> str:
    if code in _DTYPE_NAMES:
        return _DTYPE_NAMES[code]
    if code - 100 in _DTYPE_NAMES:
        return _DTYPE_NAMES[code - 100] + "_REF"
    return f"unknown dtype {code}"


@dataclass(frozen=True)
class TensorInfo:
    """Where and how one variable is stored in a TensorFlow checkpoint.

    Attributes:
        name: The variable name, e.g. ``"bert/embeddings/word_embeddings"``.
        dtype: The numpy dtype `TFCheckpointReader.read` returns (native byte order). bfloat16
            variables report ``float32``: they are widened on read.
        shape: The tensor shape (``()`` for scalars).
        shard_id: Which data file holds the bytes (``<prefix>.data-<shard_id>-of-<num_shards>``).
        offset: First byte of the tensor in that file.
        size: Number of bytes stored (for bfloat16, 2 per element).
        crc32c: CRC32C of those bytes, already unmasked (compare with ``crc32c(raw_bytes)``), or
            ``None`` when the entry carries no checksum (it is then not verified).
    """

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int | None


_DATA_SUFFIX = re.compile(r"\.data-\d{5}-of-\d{5}$")


def _data_filename(prefix: str, shard: int, num_shards: int) -> str:
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


def _resolve_prefix(path: str | os.PathLike) -> str:
    """The checkpoint prefix for a prefix, an ``.index``/``.data-*`` file, or a directory."""
    text = os.fspath(path)
    if os.path.isdir(text):
        indexes = sorted(Path(text).glob("*.index"))
        if len(indexes) == 1:
            return str(indexes[0])[: -len(".index")]
        if not indexes:
            raise CheckpointNotFoundError(
                f"{text}: no TensorFlow checkpoint in this directory (no *.index file; expected "
                "e.g. bert_model.ckpt.index next to bert_model.ckpt.data-00000-of-00001).")
        names = ", ".join(p.name for p in indexes)
        example = str(indexes[-1])[: -len(".index")]
        raise CheckpointError(
            f"{text}: this directory holds {len(indexes)} checkpoints ({names}); pass the prefix "
            f"of the one to read, e.g. {example!r}.")
    if text.endswith(".index"):
        return text[: -len(".index")]
    return _DATA_SUFFIX.sub("", text)


def _missing_index_error(prefix: str) -> CheckpointNotFoundError:
    index_path = prefix + ".index"
    hint = ""
    if os.path.isfile(prefix):
        hint = (f" {prefix} exists as a single file: it may be a TensorFlow 1 checkpoint in the "
                "old V1 format, which bertkit does not read (re-save it with TensorFlow).")
    else:
        parent = os.path.dirname(prefix) or "."
        if os.path.isdir(parent):
            others = sorted(p.name for p in Path(parent).glob("*.index"))
            if others:
                hint = f" Checkpoint indexes in {parent}: {', '.join(others[:10])}."
        else:
            hint = f" (the directory {parent} does not exist either)"
    return CheckpointNotFoundError(
        f"{index_path} not found: no TensorFlow checkpoint with prefix {prefix!r}.{hint}")


class TFCheckpointReader:
    """Read the variables of a TensorFlow V2 checkpoint (e.g. Google's ``bert_model.ckpt``).

    Building the reader parses and checksums the ``.index`` file and checks that the data files
    it refers to exist; tensors are read one at a time from the data files (never whole files).

    Args:
        prefix: The checkpoint prefix (``"dir/bert_model.ckpt"``), the ``.index`` file (or a
            ``.data-*`` file) itself, or a directory holding exactly one ``*.index`` file.
        verify_checksums: Check each tensor's CRC32C when it is read. The index's own block
            checksums are always checked.

    Raises:
        CheckpointNotFoundError: The index or a data file is missing.
        CheckpointError: The index is malformed, corrupted or truncated, or the directory holds
            several checkpoints.

    Example::

        reader = TFCheckpointReader("uncased_L-12_H-768_A-12/bert_model.ckpt")
        kernel = reader.read("bert/encoder/layer_0/attention/self/query/kernel")
    """

    def __init__(self, prefix: str | os.PathLike, verify_checksums: bool = True) -> None:
        self._prefix = _resolve_prefix(prefix)
        self._verify = bool(verify_checksums)
        self._index_path = self._prefix + ".index"
        try:
            with open(self._index_path, "rb") as f:
                index = f.read()
        except FileNotFoundError:
            raise _missing_index_error(self._prefix) from None
        except IsADirectoryError:
            raise CheckpointError(f"{self._index_path} is a directory, not an index file") from None

        entries = _read_table(index, self._index_path)
        if not entries or entries[0][0] != b"":
            raise CheckpointError(
                f"{self._index_path}: the header entry (empty key) is missing; this is not a "
                "TensorFlow V2 checkpoint index.")
        self._num_shards, self._big_endian = self._parse_header(entries[0][1])

        variables: dict[str, TensorInfo] = {}
        self._skipped: dict[str, str] = {}
        self._tf_dtype: dict[str, int] = {}
        for key, value in entries[1:]:
            if key.startswith(b"\x00"):
                continue  # the entry of one slice of a partitioned variable (not a variable name)
            name = key.decode("utf-8", errors="backslashreplace")
            info = self._parse_entry(name, value)
            if info is not None:
                variables[name] = info
        self._variables = dict(sorted(variables.items()))

        self._data_files = [_data_filename(self._prefix, i, self._num_shards)
                            for i in range(self._num_shards)]
        for shard in sorted({info.shard_id for info in self._variables.values()}):
            if not os.path.isfile(self._data_files[shard]):
                raise self._missing_shard_error(shard)

    # -- index parsing --------------------------------------------------------------------------

    def _parse_header(self, value: bytes) -> tuple[int, bool]:
        path = self._index_path
        try:
            header = _parse_message(value)
            num_shards = _get_int(header, 1)
            endianness = _get_int(header, 2)
            version = _get_message(header, 3) or {}
            producer = _get_int(version, 1)
            min_consumer = _get_int(version, 2)
            bad_consumers = _get_repeated_int(version, 3)
        except _Malformed as e:
            raise CheckpointError(f"{path}: malformed header entry ({e})") from None
        if num_shards < 1:
            raise CheckpointError(f"{path}: the header gives {num_shards} data shards")
        if endianness not in (0, 1):
            raise CheckpointError(f"{path}: the header gives unknown endianness {endianness}")
        if producer < 0 or min_consumer > _BUNDLE_VERSION or _BUNDLE_VERSION in bad_consumers:
            raise CheckpointError(
                f"{path}: checkpoint format version not supported (producer {producer}, needs a "
                f"reader of version >= {min_consumer}, bad versions {bad_consumers}; this reader "
                f"implements version {_BUNDLE_VERSION}). It was written by a newer TensorFlow.")
        return num_shards, endianness == 1

    def _parse_entry(self, name: str, value: bytes) -> TensorInfo | None:
        path = self._index_path
        try:
            entry = _parse_message(value)
            dtype_code = _get_int(entry, 1)
            shape_msg = _get_message(entry, 2) or {}
            dims = []
            for dim in _bytes_items(shape_msg, 2):
                dims.append(_get_int(_parse_message(dim), 1))
            unknown_rank = _get_int(shape_msg, 3)
            shard_id = _get_int(entry, 3)
            offset = _get_int(entry, 4)
            size = _get_int(entry, 5)
            masked_crc = _get_fixed32(entry, 6)
            num_slices = len(_bytes_items(entry, 7))
        except _Malformed as e:
            raise CheckpointError(f"{path}: malformed entry for variable {name!r} ({e})") from None

        if num_slices:
            self._skipped[name] = (
                f"variable {name!r} is partitioned (saved in {num_slices} slices), which bertkit "
                "does not read; re-save it unpartitioned")
            return None
        if dtype_code not in _NUMPY_TYPES:
            self._skipped[name] = (
                f"variable {name!r} has dtype {_dtype_name(dtype_code)}, which bertkit does not "
                "read (supported: float, integer, bool, complex, float16 and bfloat16 tensors)")
            return None
        if unknown_rank or any(d < 0 for d in dims):
            raise CheckpointError(
                f"{path}: variable {name!r} has an invalid stored shape {dims}"
                f"{' (unknown rank)' if unknown_rank else ''}")
        shape = tuple(dims)
        stored = np.dtype(_NUMPY_TYPES[dtype_code])
        expected = math.prod(shape) * stored.itemsize
        if size != expected:
            raise CheckpointError(
                f"{path}: variable {name!r} ({_dtype_name(dtype_code)}, shape {shape}) should "
                f"take {expected} bytes but its entry says {size} (corrupted index?)")
        if not 0 <= shard_id < self._num_shards:
            raise CheckpointError(
                f"{path}: variable {name!r} is in data shard {shard_id} but the checkpoint has "
                f"{self._num_shards} shard(s)")
        if offset < 0:
            raise CheckpointError(f"{path}: variable {name!r} has negative offset {offset}")
        out_dtype = np.dtype(np.float32) if dtype_code == _DT_BFLOAT16 else stored
        self._tf_dtype[name] = dtype_code
        return TensorInfo(
            name=name, dtype=out_dtype, shape=shape, shard_id=shard_id, offset=offset, size=size,
            crc32c=None if masked_crc is None else unmask_crc32c(masked_crc))

    def _missing_shard_error(self, shard: int) -> CheckpointNotFoundError:
        n = self._num_shards
        return CheckpointNotFoundError(
            f"{self._data_files[shard]} is missing (the index says the checkpoint has {n} "
            f"shard{'s' if n != 1 else ''}; copy every {os.path.basename(self._prefix)}.data-* "
            "file next to the .index file)")

    # -- public API -------------------------------------------------------------------------------

    @property
    def prefix(self) -> str:
        """The checkpoint prefix (the path of the ``.index`` file without ``.index``)."""
        return self._prefix

    @property
    def num_shards(self) -> int:
        """How many ``.data-*`` files the checkpoint has."""
        return self._num_shards

    @property
    def variables(self) -> dict[str, TensorInfo]:
        """Every readable tensor in the index, by name, sorted by name (a fresh dict)."""
        return dict(self._variables)

    @property
    def skipped(self) -> dict[str, str]:
        """Entries that are not read (string tensors, partitioned variables...), with the reason."""
        return dict(self._skipped)

    def read(self, name: str) -> np.ndarray:
        """The tensor ``name``, as a new array of its stored dtype and shape.

        The bytes are read exactly (byte-swapped if the checkpoint was written on a big-endian
        machine); bfloat16 tensors come back as float32 (exact widening).

        Raises:
            VariableNotFoundError: (a ``KeyError``) no such variable; the message lists close names.
            CheckpointError: the entry cannot be read (unsupported dtype, partitioned), the data
                file is truncated, or the bytes fail their checksum.
            CheckpointNotFoundError: the data file has disappeared.
        """
        info = self._variables.get(name)
        if info is None:
            if name in self._skipped:
                raise CheckpointError(f"{self._index_path}: {self._skipped[name]}.")
            raise self._not_found(name)
        raw = self._read_bytes(info)
        if self._verify and info.crc32c is not None and crc32c(raw) != info.crc32c:
            raise CheckpointError(
                f"{self._data_files[info.shard_id]}: tensor {name!r} fails its CRC32C checksum "
                f"(bytes {info.offset}..{info.offset + info.size}; file corrupted?)")
        order = ">" if self._big_endian else "<"
        stored = np.dtype(order + _NUMPY_TYPES[self._tf_dtype[name]])
        values = raw.view(stored)
        if self._tf_dtype[name] == _DT_BFLOAT16:
            values = (values.astype(np.uint32) << 16).view(np.float32)
        elif not stored.isnative:
            values = values.astype(stored.newbyteorder("="))
        return values.reshape(info.shape)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._variables

    def __iter__(self) -> Iterator[str]:
        return iter(self._variables)

    def __len__(self) -> int:
        return len(self._variables)

    def __repr__(self) -> str:
        n, shards = len(self._variables), self._num_shards
        return (f"{type(self).__name__}({self._prefix!r}, {n} variable{'s' if n != 1 else ''}, "
                f"{shards} shard{'s' if shards != 1 else ''})")

    # -- helpers ----------------------------------------------------------------------------------

    def _read_bytes(self, info: TensorInfo) -> np.ndarray:
        path = self._data_files[info.shard_id]
        try:
            f = open(path, "rb", buffering=0)
        except FileNotFoundError:
            raise self._missing_shard_error(info.shard_id) from None
        with f:
            file_size = os.fstat(f.fileno()).st_size
            end = info.offset + info.size
            if end > file_size:
                raise CheckpointError(
                    f"variable {info.name!r} needs bytes {info.offset}..{end} of {path} but the "
                    f"file has {file_size} bytes (truncated?)")
            buf = np.empty(info.size, dtype=np.uint8)
            view = memoryview(buf)
            f.seek(info.offset)
            got = 0
            while got < info.size:
                n = f.readinto(view[got:])
                if not n:
                    raise CheckpointError(
                        f"variable {info.name!r}: {path} ended after {info.offset + got} bytes "
                        f"while reading bytes {info.offset}..{end} (truncated?)")
                got += n
        return buf

    def _not_found(self, name: str) -> VariableNotFoundError:
        names = list(self._variables)
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
        if not close and isinstance(name, str) and name:
            close = [n for n in names if name in n][:5]
        if close:
            hint = "close names: " + ", ".join(repr(n) for n in close)
        elif names:
            hint = "first names: " + ", ".join(repr(n) for n in names[:5])
        else:
            hint = "it holds no readable variable"
        return VariableNotFoundError(
            f"no variable {name!r} in checkpoint {self._prefix} ({len(names)} variables); {hint}")


def read_tf_checkpoint(
        prefix: str | os.PathLike, verify_checksums: bool = True) -> dict[str, np.ndarray]:
    """Every readable tensor of a TensorFlow V2 checkpoint, by name (sorted).

    ``prefix`` is as for `TFCheckpointReader`. Entries the reader cannot read (string tensors
    such as TF2's ``_CHECKPOINTABLE_OBJECT_GRAPH``, partitioned variables) are left out; see
    `TFCheckpointReader.skipped`.
    """
    reader = TFCheckpointReader(prefix, verify_checksums=verify_checksums)
    return {name: reader.read(name) for name in reader}
