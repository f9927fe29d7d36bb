"""What the tokenizer returns: :class:`Encoding` (one text or pair) and :class:`BatchEncoding`.

Both are plain containers; the examples use the tokenizer ``tok`` of
:mod:`bertkit.tokenization.tokenizer`'s examples (a tiny vocabulary).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from bertkit.errors import TokenizerError

__all__ = ["BatchEncoding", "Encoding"]


@dataclass
class Encoding:
    """One encoded text, or pair of texts.

    Attributes:
        ids: token ids, ``[CLS] A [SEP] (B [SEP])``.
        segment_ids: 0 for the first text (and its specials), 1 for the second (in
            tokenizer_json mode: the type ids of the file's template, all 0 for RoBERTa/XLM-R).
        offsets: ``(start, end)`` character offsets into the original text of the segment the
            token belongs to; ``(0, 0)`` for special tokens.
        tokens: the token strings.
        sequence_ids: 0 or 1 for tokens of the first or second text, ``None`` for specials.

    >>> enc = tok.encode("Hello", "worlds")
    >>> enc.tokens, enc.segment_ids, enc.sequence_ids
    (['[CLS]', 'hello', '[SEP]', 'world', '##s', '[SEP]'], [0, 0, 0, 1, 1, 1], [None, 0, None, 1, 1, None])
    """

    ids: list[int]
    segment_ids: list[int]
    offsets: list[tuple[int, int]]
    tokens: list[str]
    sequence_ids: list[int | None]

    def __len__(self) -> int:
        return len(self.ids)

    def token_to_chars(self, token_index: int) -> tuple[int, int] | None:
        """``(start, end)`` of a token in its segment's text, or ``None`` for a special token.

        >>> tok.encode("Hello worlds").token_to_chars(3)
        (11, 12)
        """
        self._check_token_index(token_index, "token_index")
        if self.sequence_ids[token_index] is None:
            return None
        return self.offsets[token_index]

    def token_to_sequence(self, token_index: int) -> int | None:
        """0 or 1 for the text a token comes from, ``None`` for a special token."""
        self._check_token_index(token_index, "token_index")
        return self.sequence_ids[token_index]

    def char_to_token(self, char_index: int, sequence: int = 0) -> int | None:
        """Index of the token covering character ``char_index`` of text ``sequence`` (0 or 1).

        ``None`` when no token covers it (whitespace, removed control characters, truncated).

        >>> enc = tok.encode("Hello worlds")
        >>> enc.char_to_token(7), enc.char_to_token(5)
        (2, None)
        """
        if sequence not in (0, 1):
            raise TokenizerError(f"sequence={sequence!r} must be 0 (first text) or 1 (second text)")
        for i, (seq, (start, end)) in enumerate(zip(self.sequence_ids, self.offsets)):
            if seq == sequence and start <= char_index < end:
                return i
        return None

    def span_to_text(
        self, start_token: int, end_token: int, text: str, second_text: str | None = None
    ) -> str:
        """The exact substring of the original text covered by tokens ``start_token..end_token``.

        Both ends are inclusive (as span-extraction heads predict them). Special tokens inside the
        span are ignored; a span made only of special tokens (e.g. ``[CLS]`` for "no answer")
        gives ``""``. Pass ``second_text`` when the span lies in the second text of a pair.

        >>> text = "Hello WORLDS!"
        >>> tok.encode(text).span_to_text(2, 3, text)
        'WORLDS'
        """
        self._check_token_index(start_token, "start_token")
        self._check_token_index(end_token, "end_token")
        if end_token < start_token:
            raise TokenizerError(
                f"span_to_text: end_token={end_token} is before start_token={start_token}; "
                f"both ends are inclusive token indices with start_token <= end_token"
            )
        seqs = {self.sequence_ids[i] for i in range(start_token, end_token + 1)} - {None}
        if not seqs:
            return ""
        if len(seqs) > 1:
            raise TokenizerError(
                f"span_to_text: tokens {start_token}..{end_token} cross from the first text into "
                f"the second; a span must lie inside one text"
            )
        seq = seqs.pop()
        source = text if seq == 0 else second_text
        if source is None:
            raise TokenizerError(
                "span_to_text: the span lies in the second text of the pair; pass it as second_text"
            )
        starts = [
            self.offsets[i][0]
            for i in range(start_token, end_token + 1)
            if self.sequence_ids[i] is not None
        ]
        ends = [
            self.offsets[i][1]
            for i in range(start_token, end_token + 1)
            if self.sequence_ids[i] is not None
        ]
        start, end = min(starts), max(ends)
        if end > len(source):
            raise TokenizerError(
                f"span_to_text: the span ends at character {end} but the text given has "
                f"{len(source)} characters; pass the same text that was encoded"
            )
        return source[start:end]

    def _check_token_index(self, index: int, name: str) -> None:
        if not 0 <= index < len(self.ids):
            raise TokenizerError(
                f"{name}={index} is out of range: this encoding has {len(self.ids)} tokens"
            )


@dataclass
class BatchEncoding:
    """A batch of encodings as numpy arrays, padded to the longest row of the batch.

    Attributes:
        token_ids: ``int32 (B, T)``, padded with the tokenizer's ``pad_id``.
        segment_ids: ``int32 (B, T)``.
        padding_mask: ``bool (B, T)``, True on real tokens (specials included).
        offsets: ``int32 (B, T, 2)`` character offsets, see :class:`Encoding`; ``(0, 0)`` on
            specials and padding.
        lengths: ``int64 (B,)`` number of real tokens per row.

    ``batch[i]`` gives row ``i`` as an :class:`Encoding`; :meth:`model_inputs` the dict a BERT
    model takes.

    >>> batch = tok.encode_batch(["hello", "hello worlds"])
    >>> batch.token_ids.shape, batch.lengths.tolist()
    ((2, 5), [3, 5])
    >>> batch[0].tokens
    ['[CLS]', 'hello', '[SEP]']
    """

    token_ids: np.ndarray
    segment_ids: np.ndarray
    padding_mask: np.ndarray
    offsets: np.ndarray
    lengths: np.ndarray
    _row: Callable[[int], Encoding] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return int(self.token_ids.shape[0])

    def __getitem__(self, index: int) -> Encoding:
        index = operator.index(index)
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"row {index} is out of range for a batch of {n}")
        if self._row is None:
            raise TokenizerError("this BatchEncoding was built without its tokenizer; rows unavailable")
        return self._row(index % n)

    def model_inputs(self) -> dict[str, np.ndarray]:
        """``{"token_ids", "segment_ids", "padding_mask"}``, the inputs of a bertkit model."""
        return {
            "token_ids": self.token_ids,
            "segment_ids": self.segment_ids,
            "padding_mask": self.padding_mask,
        }
