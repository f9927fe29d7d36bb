"""The TensorFlow V2 checkpoint reader (`bertkit.weights.tf_checkpoint`), without TensorFlow.

Two sources of checkpoints:

* the real fixture ``tests/fixtures/bert_tiny_zh_tf`` written by TensorFlow 2.21;
* ``_write_bundle`` below, a test-only writer that follows TensorFlow's ``BundleWriter`` and
  ``TableBuilder`` step by step, for what the fixture lacks (shards, dtypes, big-endian data,
  many blocks, odd entries). ``test_writer_reproduces_tensorflow_bytes`` checks that it writes
  the fixture byte for byte, so writer and reader cannot share a misreading of the format.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

from bertkit.errors import CheckpointError, CheckpointNotFoundError
from bertkit.weights.tf_checkpoint import (
    TensorInfo,
    TFCheckpointReader,
    VariableNotFoundError,
    crc32c,
    mask_crc32c,
    read_tf_checkpoint,
    unmask_crc32c,
)
from conftest import TINY_TF

PREFIX = "bert_model.ckpt"
HIDDEN, INTERMEDIATE, VOCAB, POSITIONS, TYPES, LAYERS = 64, 256, 21128, 512, 2, 2


# ---- independent CRC32C references --------------------------------------------------------------

def _crc32c_bitwise(data: bytes, crc: int = 0) -> int:
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def _crc32c_table(data: bytes, crc: int = 0) -> int:
    # Table-driven reference, derived from the bitwise one above; fine for a megabyte.
    table = [0] * 256
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 & -(c & 1))
        table[i] = c
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# ---- a test-only writer of the format (mirrors tensorflow/core/lib/io/table_builder.cc) ---------

_TF_DTYPES = {
    np.dtype("float32"): 1, np.dtype("float64"): 2, np.dtype("int32"): 3, np.dtype("uint8"): 4,
    np.dtype("int16"): 5, np.dtype("int8"): 6, np.dtype("complex64"): 8, np.dtype("int64"): 9,
    np.dtype("bool"): 10, np.dtype("uint16"): 17, np.dtype("complex128"): 18,
    np.dtype("float16"): 19, np.dtype("uint32"): 22, np.dtype("uint64"): 23,
}
DT_BFLOAT16 = 14


class BF16:
    """A bfloat16 tensor for the writer: its raw 16-bit patterns as uint16."""

    def __init__(self, bits: np.ndarray):
        self.bits = np.asarray(bits, dtype=np.uint16)


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _pb_varint(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _pb_bytes(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _pb_fixed32(field: int, value: int) -> bytes:
    return _varint(field << 3 | 5) + struct.pack("<I", value)


def _entry_proto(dtype: int, shape, shard_id: int, offset: int, size: int, crc: int) -> bytes:
    # Field order and proto3 default omission as C++ SerializeAsString() writes them.
    shape_msg = b"".join(_pb_bytes(2, _pb_varint(1, d) if d else b"") for d in shape)
    out = _pb_varint(1, dtype) + _pb_bytes(2, shape_msg)
    if shard_id:
        out += _pb_varint(3, shard_id)
    if offset:
        out += _pb_varint(4, offset)
    if size:
        out += _pb_varint(5, size)
    return out + _pb_fixed32(6, mask_crc32c(crc))


def _header_proto(num_shards: int, big_endian: bool = False, min_consumer: int = 0) -> bytes:
    version = _pb_varint(1, 1) + (_pb_varint(2, min_consumer) if min_consumer else b"")
    return (_pb_varint(1, num_shards) + (_pb_varint(2, 1) if big_endian else b"")
            + _pb_bytes(3, version))


class _BlockBuilder:
    def __init__(self, restart_interval: int):
        self.interval = restart_interval
        self.reset()

    def reset(self):
        self.buffer = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b""

    def empty(self) -> bool:
        return not self.buffer

    def estimate(self) -> int:
        return len(self.buffer) + 4 * len(self.restarts) + 4

    def add(self, key: bytes, value: bytes):
        shared = 0
        if self.counter < self.interval:
            while (shared < min(len(key), len(self.last_key))
                   and key[shared] == self.last_key[shared]):
                shared += 1
        else:
            self.restarts.append(len(self.buffer))
            self.counter = 0
        self.buffer += (_varint(shared) + _varint(len(key) - shared) + _varint(len(value))
                        + key[shared:] + value)
        self.last_key = key
        self.counter += 1

    def finish(self) -> bytes:
        return bytes(self.buffer) + struct.pack(f"<{len(self.restarts) + 1}I",
                                                *self.restarts, len(self.restarts))


def _shortest_separator(start: bytes, limit: bytes) -> bytes:
    n = min(len(start), len(limit))
    i = 0
    while i < n and start[i] == limit[i]:
        i += 1
    if i < n and start[i] < 0xFF and start[i] + 1 < limit[i]:
        return start[:i] + bytes([start[i] + 1])
    return start


def _short_successor(key: bytes) -> bytes:
    for i, byte in enumerate(key):
        if byte != 0xFF:
            return key[:i] + bytes([byte + 1])
    return key


def _write_table(path, items, block_size=262144, restart_interval=16, block_type=0) -> dict:
    """An SSTable of sorted ``(key, value)`` items, as TensorFlow's TableBuilder writes it."""
    out = bytearray()
    data_block = _BlockBuilder(restart_interval)
    index_block = _BlockBuilder(1)
    stats = {"data_blocks": 0}
    pending = None
    last_key = b""

    def write_block(contents: bytes) -> tuple[int, int]:
        offset = len(out)
        out.extend(contents)
        trailer = bytes([block_type])
        out.extend(trailer + struct.pack("<I", mask_crc32c(crc32c(contents + trailer))))
        return offset, len(contents)

    def flush():
        nonlocal pending
        if data_block.empty():
            return
        pending = write_block(data_block.finish())
        data_block.reset()
        stats["data_blocks"] += 1

    for i, (key, value) in enumerate(items):
        if i and len(key) + len(value) >= 2 * block_size:
            flush()
        if pending is not None:
            handle = _varint(pending[0]) + _varint(pending[1])
            index_block.add(_shortest_separator(last_key, key), handle)
            pending = None
        last_key = key
        data_block.add(key, value)
        if data_block.estimate() >= block_size:
            flush()
    flush()
    meta = write_block(_BlockBuilder(restart_interval).finish())
    if pending is not None:
        index_block.add(_short_successor(last_key), _varint(pending[0]) + _varint(pending[1]))
    index = write_block(index_block.finish())
    handles = _varint(meta[0]) + _varint(meta[1]) + _varint(index[0]) + _varint(index[1])
    footer = handles.ljust(40, b"\0")
    out.extend(footer + struct.pack("<Q", 0xDB4775248B80FB57))
    Path(path).write_bytes(bytes(out))
    return stats


def _write_bundle(prefix, tensors: dict, num_shards: int = 1, *, big_endian: bool = False,
                  block_size: int = 262144, restart_interval: int = 16,
                  extra_entries: dict | None = None, header: bytes | None = None) -> dict:
    """Write ``tensors`` (name -> ndarray or BF16) as a TensorFlow V2 checkpoint at ``prefix``.

    Tensors go to shard ``i % num_shards`` in name order, each shard's bytes back to back (as
    TensorFlow's Saver lays them out). ``extra_entries`` (raw key -> raw value) are added to the
    index as they are; ``header`` replaces the header entry.
    """
    order = ">" if big_endian else "<"
    shards = [bytearray() for _ in range(num_shards)]
    entries = {}
    for i, name in enumerate(sorted(tensors)):
        value = tensors[name]
        if isinstance(value, BF16):
            dtype, arr = DT_BFLOAT16, value.bits
        else:
            arr = np.asarray(value)
            dtype = _TF_DTYPES[arr.dtype]
        raw = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder(order)).tobytes()
        shard = i % num_shards
        entries[name.encode()] = _entry_proto(dtype, arr.shape, shard, len(shards[shard]),
                                              len(raw), crc32c(raw))
        shards[shard] += raw
    entries.update(extra_entries or {})
    items = [(b"", header if header is not None else _header_proto(num_shards, big_endian))]
    items += sorted(entries.items())
    stats = _write_table(f"{prefix}.index", items, block_size, restart_interval)
    for shard, data in enumerate(shards):
        Path(f"{prefix}.data-{shard:05d}-of-{num_shards:05d}").write_bytes(bytes(data))
    return stats


# ---- helpers ----------------------------------------------------------------------------------

def _expected_shapes() -> dict[str, tuple[int, ...]]:
    h, i = HIDDEN, INTERMEDIATE
    shapes = {
        "bert/embeddings/word_embeddings": (VOCAB, h),
        "bert/embeddings/position_embeddings": (POSITIONS, h),
        "bert/embeddings/token_type_embeddings": (TYPES, h),
        "bert/embeddings/LayerNorm/gamma": (h,),
        "bert/embeddings/LayerNorm/beta": (h,),
        "bert/pooler/dense/kernel": (h, h),
        "bert/pooler/dense/bias": (h,),
        "cls/predictions/output_bias": (VOCAB,),
        "cls/predictions/transform/dense/kernel": (h, h),
        "cls/predictions/transform/dense/bias": (h,),
        "cls/predictions/transform/LayerNorm/gamma": (h,),
        "cls/predictions/transform/LayerNorm/beta": (h,),
        "cls/seq_relationship/output_weights": (2, h),
        "cls/seq_relationship/output_bias": (2,),
    }
    for layer in range(LAYERS):
        p = f"bert/encoder/layer_{layer}/"
        for dense, (n_in, n_out) in {"attention/self/query": (h, h), "attention/self/key": (h, h),
                                     "attention/self/value": (h, h),
                                     "attention/output/dense": (h, h),
                                     "intermediate/dense": (h, i), "output/dense": (i, h)}.items():
            shapes[p + dense + "/kernel"] = (n_in, n_out)
            shapes[p + dense + "/bias"] = (n_out,)
        for norm in ("attention/output/LayerNorm", "output/LayerNorm"):
            shapes[p + norm + "/gamma"] = (h,)
            shapes[p + norm + "/beta"] = (h,)
    return shapes


def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def fixture_tensors() -> dict[str, np.ndarray]:
    return read_tf_checkpoint(TINY_TF / PREFIX)


# ---- CRC32C -----------------------------------------------------------------------------------

def test_crc32c_known_vectors():
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    # RFC 3720 (iSCSI) appendix B.4 test vectors.
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert crc32c(b"\xff" * 32) == 0x62A8AB43
    assert crc32c(bytes(range(32))) == 0x46DD794E
    assert crc32c(bytes(range(31, -1, -1))) == 0x113FDB5C
    assert _crc32c_bitwise(b"123456789") == 0xE3069283
    assert mask_crc32c(0) == 0xA282EAD8
    for value in (0, 1, 0xE3069283, 0xFFFFFFFF, 0x12345678):
        assert unmask_crc32c(mask_crc32c(value)) == value


def test_crc32c_matches_reference_on_many_lengths():
    rng = np.random.default_rng(0)
    lengths = list(range(0, 70)) + [255, 256, 1023, 1024, 1025, 2047, 2048, 2049, 4096, 4099, 9001]
    lengths += rng.integers(0, 20000, 12).tolist()
    for n in lengths:
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert crc32c(data) == _crc32c_bitwise(data), n
        assert crc32c(data, 0xDEADBEEF) == _crc32c_bitwise(data, 0xDEADBEEF), n
    for n in (65536 * 4 + 3, (1 << 20) + 5):  # many numpy lanes plus a leftover head
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert crc32c(data) == _crc32c_table(data), n


def test_crc32c_continuation_and_input_types():
    rng = np.random.default_rng(1)
    data = rng.integers(0, 256, 5_000_003, dtype=np.uint8).tobytes()  # the full 65536 lanes
    whole = crc32c(data)
    for cut in (1, 1000, 4_194_304, 2_500_001, len(data) - 7):
        assert crc32c(data[cut:], crc32c(data[:cut])) == whole
    assert crc32c(bytearray(data)) == whole
    assert crc32c(memoryview(data)) == whole
    assert crc32c(np.frombuffer(data, dtype=np.uint8)) == whole
    matrix = rng.standard_normal((300, 500)).astype(np.float32)
    assert crc32c(matrix[:, ::2]) == crc32c(np.ascontiguousarray(matrix[:, ::2]).tobytes())


# ---- the real TensorFlow-written checkpoint --------------------------------------------------

def test_fixture_lists_every_bert_variable():
    reader = TFCheckpointReader(TINY_TF / PREFIX)
    expected = _expected_shapes()
    names = [n for n in reader if n != "global_step"]
    assert sorted(names) == sorted(expected)
    assert list(reader) == sorted(reader) == list(reader.variables)
    assert len(reader) == len(reader.variables) and reader.num_shards == 1 and not reader.skipped
    assert "bert/encoder/layer_0/attention/self/query/kernel" in reader
    assert "bert/encoder/layer_9/attention/self/query/kernel" not in reader
    for name, shape in expected.items():
        info = reader.variables[name]
        assert isinstance(info, TensorInfo)
        assert info.name == name and info.shape == shape and info.dtype == np.float32
        assert info.shard_id == 0 and info.size == 4 * int(np.prod(shape))
        assert info.crc32c is not None
    assert reader.variables["bert/embeddings/word_embeddings"].shape == (21128, 64)
    if "global_step" in reader:
        assert reader.variables["global_step"].dtype == np.int64
        assert reader.variables["global_step"].shape == ()


def test_fixture_reads_with_checksums(fixture_tensors):
    reader = TFCheckpointReader(TINY_TF / PREFIX)
    assert list(fixture_tensors) == list(reader)
    data = (TINY_TF / f"{PREFIX}.data-00000-of-00001").read_bytes()
    for name, array in fixture_tensors.items():
        info = reader.variables[name]
        assert array.dtype == info.dtype and array.shape == info.shape
        raw = data[info.offset:info.offset + info.size]
        assert crc32c(raw) == info.crc32c
        if info.size < 20000:
            assert _crc32c_table(raw) == info.crc32c
        assert array.tobytes() == raw
        assert np.isfinite(array).all()
    assert array.flags.writeable
    gamma = fixture_tensors["bert/embeddings/LayerNorm/gamma"]
    assert 0.5 < float(gamma.mean()) < 1.5  # a LayerNorm scale, not garbage
    assert 0.001 < float(fixture_tensors["bert/embeddings/word_embeddings"].std()) < 1.0


def test_every_way_to_name_the_checkpoint(tmp_path):
    expected = list(TFCheckpointReader(TINY_TF / PREFIX))
    for form in (TINY_TF, str(TINY_TF), TINY_TF / f"{PREFIX}.index",
                 str(TINY_TF / PREFIX), TINY_TF / f"{PREFIX}.data-00000-of-00001"):
        reader = TFCheckpointReader(form)
        assert list(reader) == expected and reader.prefix == str(TINY_TF / PREFIX)


def test_writer_reproduces_tensorflow_bytes(tmp_path, fixture_tensors):
    # The writer must produce TensorFlow's exact bytes for the fixture: the index (header and
    # entry protos, prefix compression, restarts, index separator, meta-index, footer, CRCs)
    # and the data file. So the format the other tests exercise is TensorFlow's own.
    _write_bundle(tmp_path / PREFIX, fixture_tensors)
    for suffix in (".index", ".data-00000-of-00001"):
        written = (tmp_path / (PREFIX + suffix)).read_bytes()
        assert written == (TINY_TF / (PREFIX + suffix)).read_bytes(), suffix


def test_rewritten_fixture_reads_the_same(tmp_path, fixture_tensors):
    # Small blocks and restart interval: several data blocks and index separators.
    stats = _write_bundle(tmp_path / PREFIX, fixture_tensors, num_shards=2, block_size=300,
                          restart_interval=3)
    assert stats["data_blocks"] > 5
    real = TFCheckpointReader(TINY_TF / PREFIX)
    copy = TFCheckpointReader(tmp_path / PREFIX)
    assert copy.num_shards == 2 and list(copy) == list(real)
    for name in real:
        a, b = real.variables[name], copy.variables[name]
        assert (a.dtype, a.shape, a.size, a.crc32c) == (b.dtype, b.shape, b.size, b.crc32c)
        np.testing.assert_array_equal(copy.read(name), fixture_tensors[name])


# ---- damaged copies of the real checkpoint --------------------------------------------------

def test_corrupted_index_block_fails_its_checksum(tiny_tf_copy):
    index = tiny_tf_copy / f"{PREFIX}.index"
    _flip_byte(index, 100)
    with pytest.raises(CheckpointError, match=(
            r"bert_model\.ckpt\.index: block at offset 0 fails its CRC32C checksum "
            r"\(file corrupted or truncated\?\)")):
        TFCheckpointReader(tiny_tf_copy / PREFIX)


def test_corrupted_index_block_handle_or_footer(tiny_tf_copy):
    index = tiny_tf_copy / f"{PREFIX}.index"
    original = index.read_bytes()
    _flip_byte(index, len(original) - 60)  # inside the index block
    with pytest.raises(CheckpointError, match=r"index block at offset \d+ fails its CRC32C"):
        TFCheckpointReader(tiny_tf_copy / PREFIX)
    handles = _varint(0) + _varint(8) + _varint(10**6) + _varint(100)  # index block: nowhere
    index.write_bytes(original[:-48] + handles.ljust(40, b"\0") + original[-8:])
    with pytest.raises(CheckpointError, match="index block at offset 1000000 .* runs past the end"):
        TFCheckpointReader(tiny_tf_copy / PREFIX)


def test_wrong_magic_and_truncated_index(tiny_tf_copy):
    index = tiny_tf_copy / f"{PREFIX}.index"
    original = index.read_bytes()
    index.write_bytes(original[:-1] + b"\0")
    with pytest.raises(CheckpointError, match="bad magic number"):
        TFCheckpointReader(tiny_tf_copy / PREFIX)
    index.write_bytes(original[:-10])
    with pytest.raises(CheckpointError, match="magic"):
        TFCheckpointReader(tiny_tf_copy / PREFIX)
    index.write_bytes(original[:20])
    with pytest.raises(CheckpointError, match="too small.*truncated"):
        TFCheckpointReader(tiny_tf_copy / PREFIX)
    index.write_bytes(b"")
    with pytest.raises(CheckpointError, match="too small"):
        TFCheckpointReader(tiny_tf_copy / PREFIX)


def test_truncated_data_file(tiny_tf_copy):
    data = tiny_tf_copy / f"{PREFIX}.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:3_000_000])
    reader = TFCheckpointReader(tiny_tf_copy / PREFIX)  # the index is intact
    assert reader.read("bert/embeddings/LayerNorm/beta").shape == (64,)
    with pytest.raises(CheckpointError, match=(
            r"variable 'bert/embeddings/word_embeddings' needs bytes 132096\.\.5540864 of "
            r".*bert_model\.ckpt\.data-00000-of-00001 but the file has 3000000 bytes "
            r"\(truncated\?\)")):
        reader.read("bert/embeddings/word_embeddings")
    with pytest.raises(CheckpointError, match="truncated"):
        read_tf_checkpoint(tiny_tf_copy)


def test_corrupted_data_fails_only_that_tensor(tiny_tf_copy, fixture_tensors):
    reader = TFCheckpointReader(tiny_tf_copy / PREFIX)
    info = reader.variables["bert/pooler/dense/kernel"]
    _flip_byte(tiny_tf_copy / f"{PREFIX}.data-00000-of-00001", info.offset + 1000)
    with pytest.raises(CheckpointError,
                       match=r"tensor 'bert/pooler/dense/kernel' fails its CRC32C checksum"):
        reader.read("bert/pooler/dense/kernel")
    for name in ("bert/pooler/dense/bias", "bert/embeddings/word_embeddings"):
        np.testing.assert_array_equal(reader.read(name), fixture_tensors[name])
    unchecked = TFCheckpointReader(tiny_tf_copy / PREFIX, verify_checksums=False)
    damaged = unchecked.read("bert/pooler/dense/kernel")
    assert (damaged != fixture_tensors["bert/pooler/dense/kernel"]).sum() == 1


def test_missing_files(tiny_tf_copy, tmp_path):
    data = tiny_tf_copy / f"{PREFIX}.data-00000-of-00001"
    data.unlink()
    with pytest.raises(CheckpointNotFoundError, match=(
            r"bert_model\.ckpt\.data-00000-of-00001 is missing \(the index says the checkpoint "
            r"has 1 shard")):
        TFCheckpointReader(tiny_tf_copy / PREFIX)
    (tiny_tf_copy / f"{PREFIX}.index").unlink()
    with pytest.raises(CheckpointNotFoundError, match=r"bert_model\.ckpt\.index not found") as exc:
        TFCheckpointReader(tiny_tf_copy / PREFIX)
    assert isinstance(exc.value, FileNotFoundError)
    with pytest.raises(CheckpointNotFoundError, match=r"no \*\.index file"):
        TFCheckpointReader(tiny_tf_copy)
    # A wrong prefix next to a real checkpoint names what is there.
    _write_bundle(tmp_path / "model.ckpt-1000", {"a": np.zeros(2, np.float32)})
    with pytest.raises(CheckpointNotFoundError, match=r"model\.ckpt-1000\.index"):
        TFCheckpointReader(tmp_path / PREFIX)


def test_data_file_removed_after_opening(tiny_tf_copy):
    reader = TFCheckpointReader(tiny_tf_copy)
    (tiny_tf_copy / f"{PREFIX}.data-00000-of-00001").unlink()
    with pytest.raises(CheckpointNotFoundError, match="is missing"):
        reader.read("bert/pooler/dense/bias")


def test_directory_with_several_checkpoints(tmp_path):
    for prefix in ("model.ckpt-100", "model.ckpt-200"):
        _write_bundle(tmp_path / prefix, {"w": np.ones(3, np.float32)})
    with pytest.raises(CheckpointError,
                       match=r"2 checkpoints \(model\.ckpt-100\.index, model\.ckpt-200\.index\)"):
        TFCheckpointReader(tmp_path)
    assert list(TFCheckpointReader(tmp_path / "model.ckpt-200")) == ["w"]


def test_unknown_name_suggests_close_names():
    reader = TFCheckpointReader(TINY_TF / PREFIX)
    with pytest.raises(VariableNotFoundError) as exc:
        reader.read("bert/encoder/layer_0/attention/self/query/kernal")
    assert isinstance(exc.value, KeyError)
    message = str(exc.value)
    assert "'bert/encoder/layer_0/attention/self/query/kernel'" in message
    assert "46 variables" in message and message == exc.value.args[0]
    with pytest.raises(KeyError, match="word_embeddings"):
        reader.read("word_embeddings")


# ---- checkpoints from the test writer ---------------------------------------------------------

def _all_dtypes() -> dict:
    rng = np.random.default_rng(3)
    return {
        "f32": rng.standard_normal((3, 4, 5)).astype(np.float32),
        "f64": rng.standard_normal(7),
        "f16": rng.standard_normal((2, 3)).astype(np.float16),
        "i8": np.array([-128, -1, 0, 127], np.int8),
        "i16": np.array([-32768, 1, 32767], np.int16),
        "i32": np.arange(-5, 5, dtype=np.int32).reshape(2, 5),
        "i64": np.array([-(2**63), -1, 2**62 + 12345, 2**63 - 1], np.int64),
        "u8": np.arange(256, dtype=np.uint8),
        "u16": np.array([0, 1, 65535], np.uint16),
        "u32": np.array([0, 2**32 - 1], np.uint32),
        "u64": np.array([0, 2**64 - 1], np.uint64),
        "flag": np.array([[True, False], [False, True]]),
        "c64": (rng.standard_normal(3) + 1j * rng.standard_normal(3)).astype(np.complex64),
        "c128": rng.standard_normal(2) + 1j * rng.standard_normal(2),
        "global_step": np.array(12345, np.int64),
        "empty": np.zeros((0, 3), np.float32),
    }


@pytest.mark.parametrize("big_endian", [False, True])
def test_every_dtype_round_trips(tmp_path, big_endian):
    tensors = _all_dtypes()
    floats = np.array([1.0, -2.5, 0.15625, 2.0**100, -0.0, np.inf], np.float32)
    tensors["bf16"] = BF16(floats.view(np.uint32) >> 16)  # all exactly representable in bf16
    _write_bundle(tmp_path / "ckpt", tensors, big_endian=big_endian)
    reader = TFCheckpointReader(tmp_path / "ckpt")
    assert list(reader) == sorted(tensors)
    for name, expected in tensors.items():
        got = reader.read(name)
        if name == "bf16":
            expected = floats
            assert reader.variables[name].size == 2 * floats.size
        assert got.dtype == expected.dtype and got.dtype.isnative, name
        assert got.shape == expected.shape == reader.variables[name].shape, name
        np.testing.assert_array_equal(got, expected, err_msg=name)
    assert reader.read("global_step").shape == () and int(reader.read("global_step")) == 12345
    if big_endian:  # really stored big-endian
        data = (tmp_path / "ckpt.data-00000-of-00001").read_bytes()
        info = reader.variables["i32"]
        assert data[info.offset:info.offset + 4] == struct.pack(">i", -5)


def test_bfloat16_keeps_every_bit_pattern(tmp_path):
    bits = np.arange(0, 65536, 97, dtype=np.uint16)
    _write_bundle(tmp_path / "ckpt", {"x": BF16(bits.reshape(-1, 1))})
    got = TFCheckpointReader(tmp_path / "ckpt").read("x")
    assert got.dtype == np.float32 and got.shape == (bits.size, 1)
    assert np.array_equal(got.view(np.uint32).ravel() >> 16, bits)
    assert not (got.view(np.uint32) & 0xFFFF).any()


def test_several_shards(tmp_path):
    tensors = {f"layer_{i}/w": np.full((i + 1, 3), i, np.float32) for i in range(7)}
    _write_bundle(tmp_path / "ckpt", tensors, num_shards=3)
    reader = TFCheckpointReader(tmp_path / "ckpt")
    assert reader.num_shards == 3
    assert {info.shard_id for info in reader.variables.values()} == {0, 1, 2}
    for name, value in read_tf_checkpoint(tmp_path / "ckpt").items():
        np.testing.assert_array_equal(value, tensors[name])
    (tmp_path / "ckpt.data-00001-of-00003").unlink()
    with pytest.raises(CheckpointNotFoundError, match=(
            r"ckpt\.data-00001-of-00003 is missing \(the index says the checkpoint has 3 shards")):
        TFCheckpointReader(tmp_path / "ckpt")


def test_many_blocks_restart_points_and_long_shared_prefixes(tmp_path):
    rng = np.random.default_rng(4)
    tensors = {}
    for i in range(400):
        name = f"bert/encoder/layer_{i % 24}/attention/self/{'query' if i % 2 else 'key'}_{i:04d}"
        tensors[name] = rng.standard_normal(i % 5 + 1).astype(np.float32)
    tensors["z" * 300] = np.ones(1, np.float32)  # a long key
    tensors["bert/\u00e9mbeddings/\u8bcd"] = np.zeros(2, np.float32)  # non-ASCII names
    stats = _write_bundle(tmp_path / "ckpt", tensors, block_size=700, restart_interval=5)
    assert stats["data_blocks"] >= 10
    loaded = read_tf_checkpoint(tmp_path / "ckpt")
    assert list(loaded) == sorted(tensors)
    for name, value in loaded.items():
        np.testing.assert_array_equal(value, tensors[name])


def test_large_tensor_is_checksummed(tmp_path):
    big = np.random.default_rng(5).standard_normal((3_000_001,)).astype(np.float32)  # 12 MB
    _write_bundle(tmp_path / "ckpt", {"big": big, "small": np.ones(3, np.float32)})
    reader = TFCheckpointReader(tmp_path / "ckpt")
    np.testing.assert_array_equal(reader.read("big"), big)
    _flip_byte(tmp_path / "ckpt.data-00000-of-00001", 7_654_321)
    with pytest.raises(CheckpointError, match="'big' fails its CRC32C"):
        reader.read("big")
    np.testing.assert_array_equal(reader.read("small"), np.ones(3, np.float32))


def test_unreadable_entries_are_skipped_with_a_reason(tmp_path):
    def raw_entry(dtype, shape=(2,), size=8, slices=0):
        entry = _entry_proto(dtype, shape, 0, 0, size, 0)
        return entry + b"".join(_pb_bytes(7, b"") for _ in range(slices))

    extra = {
        b"_CHECKPOINTABLE_OBJECT_GRAPH": raw_entry(7, (), 10),  # DT_STRING
        b"opaque": raw_entry(21, (), 10),  # DT_VARIANT
        b"quantized": raw_entry(11, (2,), 2),  # DT_QINT8
        b"partitioned": raw_entry(1, (4, 2), 0, slices=2),
        b"\x00\x01slice-entry-key": raw_entry(1, (2,), 8),  # one slice of "partitioned"
    }
    _write_bundle(tmp_path / "ckpt", {"ok": np.arange(3, dtype=np.int32)}, extra_entries=extra)
    reader = TFCheckpointReader(tmp_path / "ckpt")
    assert list(reader) == ["ok"] and "partitioned" not in reader
    assert set(reader.skipped) == {
        "_CHECKPOINTABLE_OBJECT_GRAPH", "opaque", "quantized", "partitioned"}
    with pytest.raises(CheckpointError, match="DT_STRING"):
        reader.read("_CHECKPOINTABLE_OBJECT_GRAPH")
    with pytest.raises(CheckpointError, match="DT_VARIANT"):
        reader.read("opaque")
    with pytest.raises(CheckpointError, match=r"partitioned \(saved in 2 slices\)"):
        reader.read("partitioned")
    assert list(read_tf_checkpoint(tmp_path / "ckpt")) == ["ok"]


def test_unknown_protobuf_fields_are_ignored(tmp_path):
    raw = np.arange(4, dtype=np.float32).tobytes()
    entry = (_pb_varint(15, 7) + _entry_proto(1, (2, 2), 0, 0, 16, crc32c(raw))
             + _pb_bytes(20, b"future") + _varint(21 << 3 | 1) + bytes(8) + _pb_fixed32(22, 1))
    header = _header_proto(1) + _pb_bytes(9, b"\x08\x01")
    _write_bundle(tmp_path / "ckpt", {}, extra_entries={b"x": entry}, header=header)
    Path(tmp_path / "ckpt.data-00000-of-00001").write_bytes(raw)
    np.testing.assert_array_equal(TFCheckpointReader(tmp_path / "ckpt").read("x"),
                                  np.arange(4, dtype=np.float32).reshape(2, 2))


def test_bad_headers_and_entries(tmp_path):
    ones = {"w": np.ones(2, np.float32)}
    _write_bundle(tmp_path / "a", ones, header=_header_proto(1, min_consumer=7))
    with pytest.raises(CheckpointError, match="version not supported"):
        TFCheckpointReader(tmp_path / "a")
    _write_bundle(tmp_path / "b", ones, header=_header_proto(0))
    with pytest.raises(CheckpointError, match="0 data shards"):
        TFCheckpointReader(tmp_path / "b")
    # No header entry at all: the first key is a variable.
    _write_table(tmp_path / "c.index", [(b"w", _entry_proto(1, (2,), 0, 0, 8, 0))])
    with pytest.raises(CheckpointError, match="header entry"):
        TFCheckpointReader(tmp_path / "c")
    _write_bundle(tmp_path / "d", {}, extra_entries={b"w": _entry_proto(1, (2, 3), 0, 0, 20, 0)})
    with pytest.raises(CheckpointError, match=(
            r"'w' \(DT_FLOAT, shape \(2, 3\)\) should take 24 bytes but its entry says 20")):
        TFCheckpointReader(tmp_path / "d")
    _write_bundle(tmp_path / "e", {}, extra_entries={b"w": _entry_proto(1, (2,), 4, 0, 8, 0)})
    with pytest.raises(CheckpointError, match="shard 4 but the checkpoint has 1"):
        TFCheckpointReader(tmp_path / "e")
    _write_bundle(tmp_path / "f", {}, extra_entries={b"w": b"\x08\x01\x12\x05\x12"})  # cut short
    with pytest.raises(CheckpointError, match=r"malformed entry for variable 'w'"):
        TFCheckpointReader(tmp_path / "f")


def test_snappy_compressed_index_is_rejected(tmp_path):
    items = [(b"", _header_proto(1))]
    _write_table(tmp_path / "ckpt.index", items, block_type=1)
    with pytest.raises(CheckpointError, match="Snappy-compressed"):
        TFCheckpointReader(tmp_path / "ckpt")
    _write_table(tmp_path / "ckpt.index", items, block_type=9)
    with pytest.raises(CheckpointError, match="unknown compression type 9"):
        TFCheckpointReader(tmp_path / "ckpt")


def test_v1_checkpoint_hint(tmp_path):
    (tmp_path / "model.ckpt").write_bytes(b"old format")
    with pytest.raises(CheckpointNotFoundError, match="V1 format"):
        TFCheckpointReader(tmp_path / "model.ckpt")


def test_reader_repr_and_paths(tmp_path):
    _write_bundle(tmp_path / "ckpt", {"w": np.ones(2, np.float32)}, num_shards=2)
    reader = TFCheckpointReader(os.fspath(tmp_path / "ckpt"))
    assert "1 variable, 2 shards" in repr(reader)
    assert reader.variables is not reader.variables  # callers cannot mutate the reader
