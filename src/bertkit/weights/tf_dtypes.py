"""TensorFlow's ``DataType`` enum as a checkpoint stores it: which codes bertkit reads, and how.

`NUMPY_TYPES` maps each readable code to the numpy type code of its stored bytes (the byte
order is added per checkpoint); bfloat16 (`DT_BFLOAT16`) is stored as uint16 and widened to
float32 on read. `dtype_name` names any code for error messages.

>>> NUMPY_TYPES[1], dtype_name(1), dtype_name(107), dtype_name(99)
('f4', 'DT_FLOAT', 'DT_STRING_REF', 'unknown dtype 99')
"""

from __future__ import annotations

__all__ = ["DT_BFLOAT16", "NUMPY_TYPES", "dtype_name"]

DT_BFLOAT16 = 14
# TensorFlow DataType enum -> numpy type code of the stored bytes (byte order added per bundle).
NUMPY_TYPES: dict[int, str] = {
    1: "f4",  # DT_FLOAT
    2: "f8",  # DT_DOUBLE
    3: "i4",  # DT_INT32
    4: "u1",  # DT_UINT8
    5: "i2",  # DT_INT16
    6: "i1",  # DT_INT8
    8: "c8",  # DT_COMPLEX64
    9: "i8",  # DT_INT64
    10: "b1",  # DT_BOOL
    DT_BFLOAT16: "u2",  # read as uint16, widened to float32
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


def dtype_name(code: int) -> str:
    """The name of TensorFlow dtype ``code`` (``"DT_FLOAT"``; ``"..._REF"`` for reference types)."""
    if code in _DTYPE_NAMES:
        return _DTYPE_NAMES[code]
    if code - 100 in _DTYPE_NAMES:
        return _DTYPE_NAMES[code - 100] + "_REF"
    return f"unknown dtype {code}"
