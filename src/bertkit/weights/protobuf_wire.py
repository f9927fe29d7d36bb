"""A minimal protobuf wire-format decoder: just what TensorFlow's bundle protos need.

`parse_message` turns the bytes of a message into ``{field number: [(wire type, value), ...]}``
(unknown fields too); the ``get_*`` helpers read singular or repeated fields out of that, as
protobuf would (the last occurrence of a singular field wins, repeated embedded messages merge).
Bytes that do not decode raise `Malformed`, which callers re-raise as
``bertkit.errors.CheckpointError`` naming the file.

>>> fields = parse_message(b"\\x08\\x96\\x01\\x12\\x02hi")
>>> fields
{1: [(0, 150)], 2: [(2, b'hi')]}
>>> get_int(fields, 1), bytes_items(fields, 2), get_int(fields, 3, default=-1)
(150, [b'hi'], -1)
"""

from __future__ import annotations

__all__ = [
    "Fields", "Malformed", "bytes_items", "get_fixed32", "get_int", "get_message",
    "get_repeated_int", "parse_message", "varint",
]


class Malformed(Exception):
    """Internal: bytes that do not decode; callers re-raise it as ``CheckpointError`` with the
    file named (never shown to users as such)."""


def varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """The varint starting at ``buf[pos]`` (not reading at or past ``end``) and the position
    after it."""
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise Malformed("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise Malformed("varint longer than 10 bytes")


def _signed64(v: int) -> int:
    """A varint's value as the signed 64-bit integer (two's complement) protobuf encoded."""
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


# A decoded message: {field number: [(wire type, value), ...]} in the order the fields came.
Fields = dict[int, list[tuple[int, "int | bytes"]]]


def parse_message(buf: bytes) -> Fields:
    """Decode a message into ``{field number: [(wire type, value), ...]}`` (unknown fields too)."""
    fields: Fields = {}
    pos, end = 0, len(buf)
    while pos < end:
        tag, pos = varint(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise Malformed("field number 0")
        value: int | bytes
        if wire == 0:
            value, pos = varint(buf, pos, end)
        elif wire == 1:
            if pos + 8 > end:
                raise Malformed("truncated fixed64 field")
            value = int.from_bytes(buf[pos:pos + 8], "little")
            pos += 8
        elif wire == 2:
            length, pos = varint(buf, pos, end)
            if pos + length > end:
                raise Malformed(
                    f"field {number} is {length} bytes long but the message ends first")
            value = bytes(buf[pos:pos + length])
            pos += length
        elif wire == 5:
            if pos + 4 > end:
                raise Malformed("truncated fixed32 field")
            value = int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        else:
            raise Malformed(f"unsupported protobuf wire type {wire} (field {number})")
        fields.setdefault(number, []).append((wire, value))
    return fields


def get_int(fields: Fields, number: int, default: int = 0) -> int:
    """A singular int32/int64/enum/bool field (last occurrence wins, as in protobuf)."""
    if number not in fields:
        return default
    wire, value = fields[number][-1]
    if wire != 0:
        raise Malformed(f"field {number} should be a varint but has wire type {wire}")
    return _signed64(value)  # type: ignore[arg-type]


def get_fixed32(fields: Fields, number: int) -> int | None:
    """A singular fixed32 field (last occurrence wins), or ``None`` when it is absent."""
    if number not in fields:
        return None
    wire, value = fields[number][-1]
    if wire != 5:
        raise Malformed(f"field {number} should be a fixed32 but has wire type {wire}")
    return value  # type: ignore[return-value]


def get_message(fields: Fields, number: int) -> Fields | None:
    """A singular embedded message; repeated occurrences merge, as in protobuf."""
    if number not in fields:
        return None
    return parse_message(b"".join(bytes_items(fields, number)))


def bytes_items(fields: Fields, number: int) -> list[bytes]:
    """Every occurrence of a length-delimited field (bytes, string or embedded message)."""
    out = []
    for wire, value in fields.get(number, ()):
        if wire != 2:
            raise Malformed(f"field {number} should be length-delimited but has wire type {wire}")
        out.append(value)  # type: ignore[arg-type]
    return out


def get_repeated_int(fields: Fields, number: int) -> list[int]:
    """A repeated int field, packed or not."""
    out: list[int] = []
    for wire, value in fields.get(number, ()):
        if wire == 0:
            out.append(_signed64(value))  # type: ignore[arg-type]
        elif wire == 2:
            pos = 0
            while pos < len(value):  # type: ignore[arg-type]
                v, pos = varint(value, pos, len(value))  # type: ignore[arg-type]
                out.append(_signed64(v))
        else:
            raise Malformed(f"field {number} should be varints but has wire type {wire}")
    return out
