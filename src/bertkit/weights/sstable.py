"""Read a LevelDB-style SSTable, the format of a TensorFlow checkpoint's ``.index`` file.

TensorFlow's ``tensorflow/core/lib/io/table*`` writes data blocks of prefix-compressed
``key -> value`` entries with a restart array, each block followed by a 5-byte trailer
(compression type byte + masked CRC32C of contents and type byte), an (empty) meta-index block,
an index block mapping to the data blocks, and a 48-byte footer (two ``BlockHandle`` varint
pairs padded to 40 bytes + the magic ``0xdb4775248b80fb57``). `read_table` returns every entry
in key order, each block's checksum verified; anything that does not decode raises
``CheckpointError`` naming the file.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from bertkit.errors import CheckpointError
from bertkit.weights.crc32c import crc32c, unmask_crc32c
from bertkit.weights.protobuf_wire import Malformed, varint

__all__ = ["read_table"]


_TABLE_MAGIC = 0xDB4775248B80FB57
_FOOTER_SIZE = 48
_BLOCK_TRAILER_SIZE = 5
_NO_COMPRESSION = 0
_SNAPPY_COMPRESSION = 1


def _decode_handle(buf: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """The ``BlockHandle`` (offset and size varints) at ``buf[pos]``, and the position after it."""
    offset, pos = varint(buf, pos, end)
    size, pos = varint(buf, pos, end)
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
        raise Malformed(f"block of {n} bytes is too small to hold its restart count")
    num_restarts = int.from_bytes(block[n - 4:], "little")
    entries_end = n - 4 - 4 * num_restarts
    if entries_end < 0:
        raise Malformed(f"block of {n} bytes cannot hold {num_restarts} restart points")
    restarts = set(struct.unpack_from(f"<{num_restarts}I", block, entries_end))
    if entries_end > 0 and 0 not in restarts:
        raise Malformed("the block's first entry is not a restart point")
    pos = 0
    key = b""
    while pos < entries_end:
        entry_at = pos
        shared, pos = varint(block, pos, entries_end)
        non_shared, pos = varint(block, pos, entries_end)
        value_len, pos = varint(block, pos, entries_end)
        if shared > len(key) or (entry_at in restarts and shared):
            raise Malformed(
                f"entry at offset {entry_at} shares {shared} bytes of the previous key")
        if pos + non_shared + value_len > entries_end:
            raise Malformed(f"entry at offset {entry_at} runs past the end of the block")
        key = key[:shared] + block[pos:pos + non_shared]
        pos += non_shared
        yield key, block[pos:pos + value_len]
        pos += value_len


def read_table(index: bytes, path: str) -> list[tuple[bytes, bytes]]:
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
    except Malformed as e:
        raise CheckpointError(f"{path}: malformed footer ({e})") from None
    index_block = _read_block(index, path, index_offset, index_size, "index block")
    entries: list[tuple[bytes, bytes]] = []
    try:
        for _, handle in _iter_block(index_block):
            offset, size, end = _decode_handle(handle, 0, len(handle))
            if end != len(handle):
                raise Malformed("index entry holds more than a block handle")
            block = _read_block(index, path, offset, size, "block")
            try:
                for key, value in _iter_block(block):
                    if entries and key <= entries[-1][0]:
                        raise Malformed(f"keys are out of order at {key!r}")
                    entries.append((key, value))
            except Malformed as e:
                raise CheckpointError(f"{path}: malformed block at offset {offset} ({e})") from None
    except Malformed as e:
        raise CheckpointError(f"{path}: malformed index block ({e})") from None
    return entries
