"""Long documents as encoder-sized pieces: chunk windows, head-only and head+tail truncation.

`DocumentChunker` tokenizes a whole document once, keeping the character offsets of every
token, and cuts it into windows of at most ``max_len - 2`` tokens (room for ``[CLS]`` and
``[SEP]``), ``overlap`` tokens shared by neighbours, optionally ending on sentence boundaries
(Chinese ``。！？`` and English ``.!?``). Cuts fall between words, never inside one (not between
``play`` and ``##ing``), so each piece, a slice of the original text, tokenizes back to the
same tokens.

>>> from bertkit.tokenization import Tokenizer                           # doctest: +SKIP
>>> chunker = DocumentChunker(tok, max_len=8)                             # doctest: +SKIP
>>> chunker.chunks("One two three four five six. Seven eight nine ten eleven.")  # doctest: +SKIP
['One two three four five six', '. Seven eight nine ten eleven', '.']
>>> DocumentChunker(tok, max_len=8, sentence_boundaries=True).chunks(
...     "One two three four five six. Seven eight nine ten eleven.")     # doctest: +SKIP
['One two three four five six.', 'Seven eight nine ten eleven.']
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from bertkit.errors import ConfigError

#: ``chunks``: every window of the document (for chunk + aggregate); ``head``: the first
#: ``max_len - 2`` tokens; ``head_tail``: the first ``head_tokens`` and the last
#: ``max_len - 2 - head_tokens`` tokens (Sun et al. 2019, "How to Fine-Tune BERT for Text
#: Classification?").
STRATEGIES = ("chunks", "head", "head_tail")
SENTENCE_ENDS = frozenset("。！？!?.…")
_CLOSERS = frozenset("\"'”’」』）)]】")
_ENCODE_GROUP = 64  # documents tokenized at a time


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2FA1F
            or 0xF900 <= cp <= 0xFAFF or 0x3040 <= cp <= 0x30FF or 0xAC00 <= cp <= 0xD7AF)


def _word_char(ch: str) -> bool:
    return ch.isalnum() and not _is_cjk(ch)


class DocumentChunker:
    """Splits or truncates documents into texts of at most ``max_len`` tokens.

    Args:
        tokenizer: a `bertkit.Tokenizer` (the encoder's).
        max_len: tokens per piece, ``[CLS]`` and ``[SEP]`` included.
        strategy: one of ``STRATEGIES``.
        overlap: tokens each chunk shares with the one before (``chunks``); the stride is
            ``max_len - 2 - overlap``.
        sentence_boundaries: end chunks after a sentence end when one lies in the second half of
            the window (else at a word boundary); with ``overlap``, the next chunk starts at a
            sentence start inside the overlap when there is one.
        max_chunks: keep at most this many chunks per document, evenly spaced (first and last
            included); ``None`` keeps all.
        head_tokens: for ``head_tail``, tokens taken from the start (default a quarter of
            ``max_len - 2``, the rest from the end, as Sun et al.'s 128 + 382 of 512).
    """

    def __init__(self, tokenizer: Any, max_len: int = 128, *, strategy: str = "chunks",
                 overlap: int = 0, sentence_boundaries: bool = False,
                 max_chunks: int | None = None, head_tokens: int | None = None) -> None:
        if strategy not in STRATEGIES:
            raise ConfigError(f"strategy must be one of {STRATEGIES}, got {strategy!r}.")
        if not isinstance(max_len, int) or max_len < 4:
            raise ConfigError(f"max_len must be an integer >= 4, got {max_len!r}.")
        window = max_len - 2
        if not 0 <= overlap < window:
            raise ConfigError(f"overlap must lie in [0, max_len - 2 = {window}), got {overlap}; "
                              f"the stride (max_len - 2 - overlap) must be at least one token.")
        if max_chunks is not None and max_chunks < 1:
            raise ConfigError(f"max_chunks must be >= 1 or None, got {max_chunks}.")
        if head_tokens is None:
            head_tokens = window // 4
        if not 0 <= head_tokens <= window:
            raise ConfigError(f"head_tokens must lie in [0, max_len - 2 = {window}], "
                              f"got {head_tokens}.")
        self.tokenizer = tokenizer
        self.max_len = max_len
        self.strategy = strategy
        self.overlap = overlap
        self.sentence_boundaries = sentence_boundaries
        self.max_chunks = max_chunks
        self.head_tokens = head_tokens

    def get_config(self) -> dict[str, Any]:
        return {"max_len": self.max_len, "strategy": self.strategy, "overlap": self.overlap,
                "sentence_boundaries": self.sentence_boundaries, "max_chunks": self.max_chunks,
                "head_tokens": self.head_tokens}

    @classmethod
    def from_config(cls, tokenizer: Any, config: dict[str, Any]) -> "DocumentChunker":
        return cls(tokenizer, **config)

    # ---- tokens ----------------------------------------------------------------------------
    def token_spans(self, documents: Sequence[str]) -> list[np.ndarray]:
        """Per document, ``int (n_tokens, 2)`` character spans of its content tokens."""
        spans: list[np.ndarray] = []
        for start in range(0, len(documents), _ENCODE_GROUP):
            group = list(documents[start:start + _ENCODE_GROUP])
            enc = self.tokenizer.encode_batch(group, max_len=None)
            for row, n in enumerate(enc.lengths.tolist()):
                spans.append(np.asarray(enc.offsets[row, 1:max(n - 1, 1)], dtype=np.int64))
        return spans

    @staticmethod
    def _cuttable(text: str, spans: np.ndarray) -> np.ndarray:
        """``ok[i]``: a piece may start at token ``i`` (and the one before end at ``i - 1``)."""
        n = len(spans)
        ok = np.ones(n + 1, dtype=bool)
        for i in range(1, n):
            start, prev_end = int(spans[i, 0]), int(spans[i - 1, 1])
            if start > prev_end or start == 0:
                continue
            ok[i] = not (_word_char(text[start - 1]) and _word_char(text[start]))
        return ok

    @staticmethod
    def _sentence_after(text: str, spans: np.ndarray) -> np.ndarray:
        """``ends[i]``: token ``i - 1`` ends a sentence (a mark, maybe then closing quotes)."""
        n = len(spans)
        ends = np.zeros(n + 1, dtype=bool)
        ends[n] = True
        for i in range(1, n):
            last = text[int(spans[i - 1, 1]) - 1] if spans[i - 1, 1] > 0 else ""
            if last in SENTENCE_ENDS:
                nxt = text[int(spans[i, 0])] if spans[i, 0] < len(text) else ""
                ends[i] = nxt not in _CLOSERS and nxt not in SENTENCE_ENDS
            elif last in _CLOSERS and i >= 2:
                before = text[int(spans[i - 2, 1]) - 1] if spans[i - 2, 1] > 0 else ""
                ends[i] = before in SENTENCE_ENDS
        return ends

    def windows(self, text: str, spans: np.ndarray) -> list[tuple[int, int]]:
        """``(first, stop)`` token ranges of the chunks of one document."""
        n, width = len(spans), self.max_len - 2
        if n <= width:
            return [(0, n)]
        ok = self._cuttable(text, spans)
        sentence = self._sentence_after(text, spans) if self.sentence_boundaries else None
        out: list[tuple[int, int]] = []
        first = 0
        while True:
            stop = min(first + width, n)
            if stop < n:
                cut = None
                if sentence is not None:
                    ends = np.flatnonzero(sentence[first + width // 2 + 1: stop + 1])
                    if len(ends):
                        cut = first + width // 2 + 1 + int(ends[-1])
                if cut is None:
                    words = np.flatnonzero(ok[first + 1: stop + 1])
                    cut = first + 1 + int(words[-1]) if len(words) else stop
                stop = cut
            out.append((first, stop))
            if stop >= n:
                break
            nxt = stop - self.overlap
            if self.overlap:
                if sentence is not None:
                    starts = np.flatnonzero(sentence[nxt: stop])
                    if len(starts):
                        nxt += int(starts[0])
                words = np.flatnonzero(ok[first + 1: nxt + 1])
                nxt = first + 1 + int(words[-1]) if len(words) else stop
            first = nxt
        if self.max_chunks is not None and len(out) > self.max_chunks:
            keep = np.unique(np.linspace(0, len(out) - 1, self.max_chunks).round().astype(int))
            out = [out[i] for i in keep]
        return out

    # ---- pieces ----------------------------------------------------------------------------
    def chunks(self, text: str) -> list[str]:
        """The chunk texts of one document (slices of it, in order)."""
        return self.split([text])[0]

    def split(self, documents: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """All chunks of all documents, flattened, and ``doc_index`` (the document of each).

        With strategy ``head`` / ``head_tail`` every document gives exactly one piece.
        """
        if isinstance(documents, str):
            raise TypeError("split takes a list of documents; wrap a single one in a list.")
        pieces: list[str] = []
        owner: list[int] = []
        spans_of = (self.token_spans(documents) if self.strategy != "head"
                    else [np.zeros((0, 2), np.int64)] * len(documents))
        for d, (text, spans) in enumerate(zip(documents, spans_of)):
            if self.strategy == "head":
                found = [text]  # the tokenizer keeps the first max_len - 2 tokens
            elif self.strategy == "head_tail":
                found = [self._head_tail(text, spans)]
            else:
                found = [self._slice(text, spans, a, b) for a, b in self.windows(text, spans)]
            pieces.extend(found)
            owner.extend([d] * len(found))
        return pieces, np.asarray(owner, dtype=np.int64)

    def truncate(self, documents: Sequence[str]) -> list[str]:
        """One piece per document (strategy ``head`` or ``head_tail``; ``chunks``: the first)."""
        pieces, owner = self.split(documents)
        first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else []
        return [pieces[i] for i in first]

    @staticmethod
    def _slice(text: str, spans: np.ndarray, first: int, stop: int) -> str:
        if stop <= first:
            return text
        return text[int(spans[first, 0]): int(spans[stop - 1, 1])]

    def _head_tail(self, text: str, spans: np.ndarray) -> str:
        n, width = len(spans), self.max_len - 2
        if n <= width:
            return self._slice(text, spans, 0, n)
        ok = self._cuttable(text, spans)
        head = self.head_tokens
        while head > 0 and not ok[head]:
            head -= 1
        tail = n - (width - self.head_tokens)
        while tail < n and not ok[tail]:
            tail += 1
        parts = [self._slice(text, spans, 0, head)] if head else []
        if tail < n:
            parts.append(self._slice(text, spans, tail, n))
        return " ".join(parts)
