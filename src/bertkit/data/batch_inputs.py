"""What every batch needs: checked batch arguments and the model's input arrays.

>>> inputs = model_inputs(np.array([[2, 7, 3, 0]]), np.zeros((1, 4)), np.array([[1, 1, 1, 0]]),
...                       width=3, pad_to_multiple_of=4, pad_id=0)
>>> inputs["token_ids"].tolist(), inputs["padding_mask"].tolist()
([[2, 7, 3, 0]], [[1, 1, 1, 0]])
>>> positive_int(32, "batch_size")
32
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bertkit.errors import DataError

__all__ = ["model_inputs", "positive_int"]


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int; a `DataError` naming ``name`` unless it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DataError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def model_inputs(
    token_ids: np.ndarray,
    segment_ids: np.ndarray,
    padding_mask: np.ndarray,
    width: int,
    pad_to_multiple_of: int | None,
    pad_id: int,
) -> dict[str, np.ndarray]:
    """Columns ``[:width]`` as int32 arrays, padded to a multiple of ``pad_to_multiple_of``."""
    token_ids = token_ids[:, :width]
    segment_ids = segment_ids[:, :width]
    padding_mask = padding_mask[:, :width]
    if pad_to_multiple_of:
        extra = -width % pad_to_multiple_of
        if extra:
            pad = ((0, 0), (0, extra))
            token_ids = np.pad(token_ids, pad, constant_values=pad_id)
            segment_ids = np.pad(segment_ids, pad)
            padding_mask = np.pad(padding_mask, pad)
    return {
        "token_ids": np.ascontiguousarray(token_ids, dtype=np.int32),
        "segment_ids": np.ascontiguousarray(segment_ids, dtype=np.int32),
        "padding_mask": np.ascontiguousarray(padding_mask, dtype=np.int32),
    }

