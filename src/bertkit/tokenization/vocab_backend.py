"""The half of the wordpiece and char backends they share: a BERT ``vocab.txt``, and batches
assembled from flat token streams (threaded for large batches).

A subclass gives :meth:`VocabBackend.content_streams` (the tokens of many texts, without special
tokens) and :meth:`~bertkit.tokenization.backend.Backend.encode`; this class adds the specials,
truncates and pads.

>>> tok._backend.vocab_size, tok._backend.id_to_token(6), tok._backend.token_to_id("world")
(12, 'hello', 7)
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

from bertkit.tokenization.backend import Backend
from bertkit.tokenization.batching import _batch_workers, _split_over_threads
from bertkit.tokenization.checkpoint import _write_vocab
from bertkit.tokenization.encoding import BatchEncoding, Encoding
from bertkit.tokenization.truncation import _longest_first
from bertkit.tokenization.vocab import _require_specials, load_vocab


class VocabBackend(Backend):
    """A backend over a ``vocab.txt`` (id = line number) writing ``[CLS] A [SEP] (B [SEP])``.

    Attributes:
        vocab: ``{token: id}``.
        inverse: ``inverse[id]`` is the token of ``id``.
    """

    def __init__(
        self,
        vocab: dict[str, int],
        *,
        lowercase: bool,
        strip_accents_option: bool | None,
        specials: dict[str, int | None],
        source: str,
    ) -> None:
        super().__init__(
            lowercase=lowercase,
            strip_accents_option=strip_accents_option,
            specials=specials,
            source=source,
            min_len=(2, 3),
        )
        self.vocab = vocab
        inverse = [""] * (max(vocab.values()) + 1)
        for token, tid in vocab.items():
            inverse[tid] = token
        self.inverse = inverse

    @classmethod
    def from_vocab(
        cls, path: str | Path, lowercase: bool, strip_accents: bool | None
    ) -> VocabBackend:
        """The backend of the ``vocab.txt`` at ``path``.

        ``lowercase`` and ``strip_accents`` have been checked to be booleans (or ``None``).
        """
        cls._check_strip_accents(strip_accents)
        path = Path(path)
        vocab = load_vocab(path)
        cls._check_vocab(vocab, path)
        specials = {
            "cls": vocab["[CLS]"],
            "sep": vocab["[SEP]"],
            "pad": vocab["[PAD]"],
            "unk": vocab["[UNK]"],
            "mask": vocab.get("[MASK]"),
        }
        return cls(
            vocab,
            lowercase=bool(lowercase),
            strip_accents_option=None if strip_accents is None else bool(strip_accents),
            specials=specials,
            source=str(path),
        )

    @classmethod
    def _check_strip_accents(cls, strip_accents: bool | None) -> None:
        """Raise if this mode does not take ``strip_accents`` (checked before the file is read)."""

    @classmethod
    def _check_vocab(cls, vocab: dict[str, int], path: Path) -> None:
        """Raise if ``vocab`` lacks a token this mode needs."""
        _require_specials(vocab, path, ["[PAD]", "[CLS]", "[SEP]"])

    # ---------------------------------------------------------------- vocabulary

    @property
    def vocab_size(self) -> int:
        return len(self.inverse)

    def token_to_id(self, token: str) -> int | None:
        return self.vocab.get(token)

    def id_to_token(self, index: int) -> str:
        return self.inverse[index]

    def save_files(self, directory: Path) -> dict[str, str]:
        return _write_vocab(self.inverse, directory)

    def hf_config(self, config: dict[str, Any]) -> None:
        config["do_lower_case"] = self.lowercase

    # ---------------------------------------------------------------- batches

    @abstractmethod
    def content_streams(
        self, texts: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Flat token streams of ``texts``, without specials or truncation.

        Returns ``(ids, starts, ends, counts)``: the tokens of all texts in order, their
        character offsets in their own text, and how many tokens each text has.
        """

    def prepare(self) -> None:
        """Build what :meth:`content_streams` builds lazily, before threads share it."""

    def encode_batch(
        self, firsts: list[str], seconds: list[str] | None, max_len: int | None
    ) -> BatchEncoding:
        workers = _batch_workers(len(firsts))
        if workers == 1:
            return self._encode_batch_streams(firsts, seconds, max_len)
        self.prepare()
        return _split_over_threads(
            lambda chunk_firsts, chunk_seconds: self._encode_batch_streams(
                chunk_firsts, chunk_seconds, max_len
            ),
            firsts,
            seconds,
            workers,
            self.pad_id,
        )

    def _encode_batch_streams(
        self, firsts: list[str], seconds: list[str] | None, max_len: int | None
    ) -> BatchEncoding:
        """``encode_batch`` in this thread, through the flat token streams."""
        pair = seconds is not None
        n = len(firsts)
        all_texts = firsts if seconds is None else firsts + seconds
        ids, starts, ends, counts = self.content_streams(all_texts)
        if not pair:
            k1 = counts if max_len is None else np.minimum(counts, max_len - 2)
            k2 = None
        else:
            c1, c2 = counts[:n], counts[n:]
            if max_len is None:
                k1, k2 = c1, c2
            else:
                k1, k2 = _longest_first(c1, c2, max_len - 3)
        return self._assemble(ids, starts, ends, counts, k1, k2)

    def _assemble(
        self,
        ids: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        counts: np.ndarray,
        k1: np.ndarray,
        k2: np.ndarray | None,
    ) -> BatchEncoding:
        """``[CLS] a[:k1] [SEP] (b[:k2] [SEP])`` rows from flat token streams.

        ``counts`` holds the tokens of each first text (then of each second text) in the flat
        ``ids``/``starts``/``ends``; ``k1``/``k2`` how many of them to keep.
        """
        n = k1.shape[0]
        lengths = (k1 + 2 if k2 is None else k1 + k2 + 3).astype(np.int64)
        width = int(lengths.max()) if n else 0
        token_ids = np.full((n, width), self.pad_id, dtype=np.int32)
        segment_ids = np.zeros((n, width), dtype=np.int32)
        offsets = np.zeros((n, width, 2), dtype=np.int32)
        padding_mask = np.arange(width)[None, :] < lengths[:, None]
        if n:
            flat_ids = token_ids.reshape(-1)
            flat_segments = segment_ids.reshape(-1)
            flat_offsets = offsets.reshape(-1, 2)
            row_base = np.arange(n, dtype=np.int64) * width
            flat_ids[row_base] = self.cls_id
            src_start = np.cumsum(counts) - counts
            parts = [(0, k1, 1)]
            if k2 is not None:
                parts.append((n, k2, k1 + 2))
            seg = 0
            for first_text, keep, first_col in parts:
                c = counts[first_text : first_text + n]
                s0 = src_start[first_text : first_text + n]
                total = int(c.sum())
                begin = int(s0[0]) if total else 0
                part = slice(begin, begin + total)
                # token j of text i goes to column first_col + (j - s0[i]) of row i
                dest = np.arange(begin, begin + total) + np.repeat(row_base + first_col - s0, c)
                sep = row_base + first_col + keep
                p_ids, p_starts, p_ends = ids[part], starts[part], ends[part]
                if not np.array_equal(keep, c):  # truncated: keep the first `keep` of each
                    kept = dest < np.repeat(sep, c)
                    dest, p_ids = dest[kept], p_ids[kept]
                    p_starts, p_ends = p_starts[kept], p_ends[kept]
                flat_ids[dest] = p_ids
                flat_offsets[dest, 0] = p_starts
                flat_offsets[dest, 1] = p_ends
                flat_ids[sep] = self.sep_id
                if seg:
                    flat_segments[dest] = 1
                    flat_segments[sep] = 1
                seg += 1
        lengths_c, k1_c, k2_c, inverse = lengths, k1, k2, self.inverse

        def row(i: int) -> Encoding:
            length = int(lengths_c[i])
            row_ids = token_ids[i, :length].tolist()
            seq: list[int | None] = [None] + [0] * int(k1_c[i]) + [None]
            if k2_c is not None:
                seq += [1] * int(k2_c[i]) + [None]
            return Encoding(
                ids=row_ids,
                segment_ids=segment_ids[i, :length].tolist(),
                offsets=[tuple(o) for o in offsets[i, :length].tolist()],
                tokens=[inverse[t] for t in row_ids],
                sequence_ids=seq,
            )

        return BatchEncoding(token_ids, segment_ids, padding_mask, offsets, lengths, row)

