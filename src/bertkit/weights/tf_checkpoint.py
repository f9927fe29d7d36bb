"""Read TensorFlow checkpoints (the V2 "tensor bundle" format) without TensorFlow.

Google's BERT releases ship ``bert_model.ckpt.index`` + ``bert_model.ckpt.data-00000-of-00001``.
This module reads them in pure Python + numpy:

* ``<prefix>.index`` is a LevelDB-style SSTable (read by `bertkit.weights.sstable`).
* The entry with the empty key is a ``BundleHeaderProto`` (number of data shards, endianness,
  format version); every other entry is a ``BundleEntryProto`` (dtype, shape, shard id, byte
  offset and size in the data file, masked CRC32C of those bytes, and slices for partitioned
  variables). Both are decoded with a minimal protobuf wire-format decoder
  (`bertkit.weights.protobuf_wire`).
* ``<prefix>.data-%05d-of-%05d`` hold the raw tensor bytes (C order, in the writer's byte order).

Every block checksum in the index is verified when the reader is built; the checksum of a tensor's
bytes is verified when it is read (``verify_checksums=True``, the default). CRC32C (Castagnoli) is
computed with numpy over many lanes at once, fast enough for a 400 MB checkpoint (see `crc32c`,
re-exported here from `bertkit.weights.crc32c`).

Supported dtypes: float16/32/64, bfloat16 (returned as float32: each value is widened exactly by
shifting its 16 bits into the high half of a float32), int8/16/32/64, uint8/16/32/64, bool,
complex64/128. String, variant, resource, quantized and float8/int4 tensors, and partitioned
(sliced) variables are not read: they are left out of `TFCheckpointReader.variables`, listed with
the reason in `TFCheckpointReader.skipped`, and `TFCheckpointReader.read` raises a clear
`CheckpointError` for them. TensorFlow 1's older single-file (V1) checkpoint format is not read.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from bertkit.errors import CheckpointError, CheckpointNotFoundError, VariableNotFoundError
from bertkit.weights.crc32c import crc32c, mask_crc32c, unmask_crc32c
from bertkit.weights.protobuf_wire import (
    Malformed, bytes_items, get_fixed32, get_int, get_message, get_repeated_int, parse_message)
from bertkit.weights.sstable import read_table
from bertkit.weights.tf_checkpoint_files import data_filename, missing_index_error, resolve_prefix
from bertkit.weights.tf_dtypes import DT_BFLOAT16, NUMPY_TYPES, dtype_name

__all__ = [
    "TensorInfo",
    "TFCheckpointReader",
    "VariableNotFoundError",
    "crc32c",
    "mask_crc32c",
    "read_tf_checkpoint",
    "unmask_crc32c",
]

_BUNDLE_VERSION = 1  # kTensorBundleVersion: the consumer version this reader implements


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
        self._prefix = resolve_prefix(prefix)
        self._verify = bool(verify_checksums)
        self._index_path = self._prefix + ".index"
        try:
            with open(self._index_path, "rb") as f:
                index = f.read()
        except FileNotFoundError:
            raise missing_index_error(self._prefix) from None
        except IsADirectoryError:
            raise CheckpointError(f"{self._index_path} is a directory, not an index file") from None

        entries = read_table(index, self._index_path)
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

        self._data_files = [data_filename(self._prefix, i, self._num_shards)
                            for i in range(self._num_shards)]
        for shard in sorted({info.shard_id for info in self._variables.values()}):
            if not os.path.isfile(self._data_files[shard]):
                raise self._missing_shard_error(shard)

    # -- index parsing --------------------------------------------------------------------------

    def _parse_header(self, value: bytes) -> tuple[int, bool]:
        path = self._index_path
        try:
            header = parse_message(value)
            num_shards = get_int(header, 1)
            endianness = get_int(header, 2)
            version = get_message(header, 3) or {}
            producer = get_int(version, 1)
            min_consumer = get_int(version, 2)
            bad_consumers = get_repeated_int(version, 3)
        except Malformed as e:
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
            entry = parse_message(value)
            dtype_code = get_int(entry, 1)
            shape_msg = get_message(entry, 2) or {}
            dims = []
            for dim in bytes_items(shape_msg, 2):
                dims.append(get_int(parse_message(dim), 1))
            unknown_rank = get_int(shape_msg, 3)
            shard_id = get_int(entry, 3)
            offset = get_int(entry, 4)
            size = get_int(entry, 5)
            masked_crc = get_fixed32(entry, 6)
            num_slices = len(bytes_items(entry, 7))
        except Malformed as e:
            raise CheckpointError(f"{path}: malformed entry for variable {name!r} ({e})") from None

        if num_slices:
            self._skipped[name] = (
                f"variable {name!r} is partitioned (saved in {num_slices} slices), which bertkit "
                "does not read; re-save it unpartitioned")
            return None
        if dtype_code not in NUMPY_TYPES:
            self._skipped[name] = (
                f"variable {name!r} has dtype {dtype_name(dtype_code)}, which bertkit does not "
                "read (supported: float, integer, bool, complex, float16 and bfloat16 tensors)")
            return None
        if unknown_rank or any(d < 0 for d in dims):
            raise CheckpointError(
                f"{path}: variable {name!r} has an invalid stored shape {dims}"
                f"{' (unknown rank)' if unknown_rank else ''}")
        shape = tuple(dims)
        stored = np.dtype(NUMPY_TYPES[dtype_code])
        expected = math.prod(shape) * stored.itemsize
        if size != expected:
            raise CheckpointError(
                f"{path}: variable {name!r} ({dtype_name(dtype_code)}, shape {shape}) should "
                f"take {expected} bytes but its entry says {size} (corrupted index?)")
        if not 0 <= shard_id < self._num_shards:
            raise CheckpointError(
                f"{path}: variable {name!r} is in data shard {shard_id} but the checkpoint has "
                f"{self._num_shards} shard(s)")
        if offset < 0:
            raise CheckpointError(f"{path}: variable {name!r} has negative offset {offset}")
        out_dtype = np.dtype(np.float32) if dtype_code == DT_BFLOAT16 else stored
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
        stored = np.dtype(order + NUMPY_TYPES[self._tf_dtype[name]])
        values = raw.view(stored)
        if self._tf_dtype[name] == DT_BFLOAT16:
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
