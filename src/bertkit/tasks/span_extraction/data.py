"""Span-extraction examples as model inputs and pointer targets.

Examples come from `bertkit.data.extraction.load_span_examples` (JSON lines ``{"query",
"text", "answers": [{"text", "start"}]}``). Each is encoded as ``[CLS] query [SEP] text
[SEP]`` (the query is never truncated), with ``answer_mask`` on the positions an answer may take
(the text's tokens, plus ``[CLS]`` for "no answer") and the first answer's ``(start, end)``
tokens as the target; ``(0, 0)`` (``[CLS]``) is "no answer".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bertkit.data.extraction import SpanExample
from bertkit.data.pointer_batches import PointerBatches, pad_rows
from bertkit.tasks.common.pointers import (char_span_to_tokens, encode_keeping_first,
                                           text_token_mask)


@dataclass
class EncodedSpanExample:
    ids: list[int]
    segment_ids: list[int]
    answer_mask: np.ndarray
    target: tuple[int, int]


def encode_span_examples(examples: list[SpanExample], tokenizer: Any, max_len: int,
                         allow_no_answer: bool) -> tuple[list[EncodedSpanExample], dict[str, int]]:
    """Token inputs and ``(start, end)`` token targets; ``(0, 0)`` (``[CLS]``) is "no answer".

    The first answer of an example is its target. Examples without an answer in the encoded
    text (none given, or cut off by ``max_len``) are "no answer" when allowed, else left out;
    the returned counts say how many.
    """
    out, counts = [], {"no_answer": 0, "answer_truncated": 0, "left_out": 0}
    for ex in examples:
        enc = encode_keeping_first(tokenizer, ex.query, ex.text, max_len, ex.where)
        allowed = text_token_mask(enc, 1)
        if allow_no_answer:
            allowed[0] = 1
        target = None
        if ex.answers:
            target = char_span_to_tokens(enc, *ex.answers[0], seq=1)
            if target is None:
                counts["answer_truncated"] += 1
        else:
            counts["no_answer"] += 1
        if target is None:
            if not allow_no_answer:
                counts["left_out"] += 1
                continue
            target = (0, 0)
        out.append(EncodedSpanExample(enc.ids, enc.segment_ids, allowed, target))
    return out, counts


def span_batches(encoded: list[EncodedSpanExample], pad_id: int, batch_size: int,
                 shuffle: bool, seed: int) -> PointerBatches:
    """Length-grouped batches ``(inputs with answer_mask, int32 (B, 2) targets)``."""

    def make_batch(indices: np.ndarray, epoch: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        rows = [encoded[i] for i in indices]
        inputs = {"token_ids": pad_rows([r.ids for r in rows], pad_id),
                  "segment_ids": pad_rows([r.segment_ids for r in rows]),
                  "padding_mask": pad_rows([[1] * len(r.ids) for r in rows]),
                  "answer_mask": pad_rows([r.answer_mask for r in rows])}
        return inputs, np.array([r.target for r in rows], np.int32)

    return PointerBatches([len(e.ids) for e in encoded], make_batch, batch_size=batch_size,
                          shuffle=shuffle, seed=seed)
