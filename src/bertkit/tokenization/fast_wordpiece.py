"""A vectorised (numpy) BERT WordPiece for batches of texts made of well-behaved characters.

:class:`_FastWordPiece` gives exactly what the ``tokenizers`` pipeline gives; texts holding any
character its tables cannot vouch for are handed back, for ``tokenizers`` to tokenize.

>>> fast = _FastWordPiece({"[UNK]": 0, "hello": 1, "world": 2, "##s": 3, "!": 4}, 0, True, True)
>>> ids, starts, ends, counts, fallback = fast.tokenize(["Hello worlds!", "emoji 😀"])
>>> ids.tolist(), starts.tolist(), ends.tolist(), counts.tolist(), fallback.tolist()
([1, 2, 3, 4], [0, 6, 11, 12], [5, 11, 12, 13], [4, 0], [1])
"""

from __future__ import annotations

import threading
from itertools import chain
from typing import Sequence

import numpy as np

from bertkit.tokenization.normalization import (
    _COMPLEX,
    _ISOLATED,
    _SPACE,
    _WORD,
    _bert_char_classes,
)
from bertkit.tokenization.text import _codepoints
from bertkit.tokenization.vocab import _SPECIAL_NAMES

_MAX_INPUT_CHARS_PER_WORD = 100  # BERT's WordPiece limit: longer words become [UNK]


class _FastWordPiece:
    """Vectorised BERT WordPiece for texts made only of well-behaved BMP characters.

    It gives exactly what the ``tokenizers`` pipeline gives (tests compare them); texts with any
    other character are reported back and tokenized by ``tokenizers``.
    """

    def __init__(
        self, vocab: dict[str, int], unk_id: int, lowercase: bool, strip_accents: bool
    ) -> None:
        classes, normalized = _bert_char_classes(lowercase, strip_accents)
        self.classes = classes.copy()
        # Special tokens are matched in the raw text before normalization: leave any text that
        # could contain one to tokenizers.
        for name in chain.from_iterable(_SPECIAL_NAMES.values()):
            if name in vocab:
                self.classes[ord(name[0])] = _COMPLEX
        self.normalized = normalized
        self.vocab = vocab
        self.unk_id = unk_id
        self.isolated_ids = np.full(0x10000, unk_id, dtype=np.int32)
        for cp in np.flatnonzero(self.classes[:0x10000] == _ISOLATED).tolist():
            self.isolated_ids[cp] = vocab.get(chr(int(normalized[cp])), unk_id)
        self._lock = threading.Lock()
        self._reset_words()

    def _reset_words(self) -> None:
        """Forget the words seen so far (a cache of their WordPiece tokens)."""
        # word -> index; word i's pieces are piece_* [word_first[i], word_first[i] + word_count[i])
        self.words: dict[str, int] = {}
        self.word_first = np.zeros(0, dtype=np.int64)
        self.word_count = np.zeros(0, dtype=np.int64)
        self.piece_ids = np.zeros(0, dtype=np.int32)
        self.piece_starts = np.zeros(0, dtype=np.int64)
        self.piece_ends = np.zeros(0, dtype=np.int64)

    def _add_words(self, new_words: list[str]) -> None:
        """Tokenize words not seen before and append them to the word tables."""
        first, count, ids, starts, ends = [], [], [], [], []
        n_pieces = self.piece_ids.shape[0]
        for word in new_words:
            if word in self.words:
                continue
            p_ids, p_starts, p_ends = self.wordpiece(word)
            self.words[word] = len(self.words)
            first.append(n_pieces + len(ids))
            count.append(len(p_ids))
            ids += p_ids
            starts += p_starts
            ends += p_ends
        self.word_first = np.concatenate([self.word_first, np.asarray(first, dtype=np.int64)])
        self.word_count = np.concatenate([self.word_count, np.asarray(count, dtype=np.int64)])
        self.piece_ids = np.concatenate([self.piece_ids, np.asarray(ids, dtype=np.int32)])
        self.piece_starts = np.concatenate([self.piece_starts, np.asarray(starts, dtype=np.int64)])
        self.piece_ends = np.concatenate([self.piece_ends, np.asarray(ends, dtype=np.int64)])

    def wordpiece(self, word: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """Greedy longest-match-first, as ``tokenizers.models.WordPiece``: (ids, starts, ends)."""
        if len(word) > _MAX_INPUT_CHARS_PER_WORD:
            return (self.unk_id,), (0,), (len(word),)
        vocab = self.vocab
        ids, starts, ends = [], [], []
        start = 0
        n = len(word)
        while start < n:
            end = n
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk_id,), (0,), (n,)
            ids.append(found)
            starts.append(start)
            ends.append(end)
            start = end
        return tuple(ids), tuple(starts), tuple(ends)

    def tokenize(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Token streams of ``texts`` without special tokens.

        Returns ``(ids, starts, ends, counts, fallback)``: flat arrays over all texts handled here
        (texts in order, offsets local to each text), tokens per text (0 for texts left out),
        and the indices of the texts left to ``tokenizers``.
        """
        n_texts = len(texts)
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=n_texts)
        text_end = np.cumsum(lens)
        text_start = text_end - lens
        cps = _codepoints("".join(texts))
        cls = self.classes[cps]
        complex_pos = np.flatnonzero(cls == _COMPLEX)
        fallback = np.unique(np.searchsorted(text_end, complex_pos, side="right"))
        for t in fallback.tolist():  # blank those texts out here
            cls[text_start[t] : text_end[t]] = _SPACE

        # Tokens start at isolated characters (CJK, punctuation: one token each) and inside
        # words (runs of word characters, cut at text boundaries).
        has_token = cls == _ISOLATED
        is_word = (cls == _WORD).view(np.int8)
        edges = np.diff(is_word, prepend=np.int8(0), append=np.int8(0))
        run_starts = np.flatnonzero(edges == 1)
        w_ids = w_starts = w_ends = None
        if run_starts.size:
            run_ends = np.flatnonzero(edges == -1)
            inner = text_start[(lens > 0) & (text_start > 0)]
            cut = inner[(is_word[inner - 1] == 1) & (is_word[inner] == 1)]
            if cut.size:
                run_starts = np.sort(np.concatenate([run_starts, cut]))
                run_ends = np.sort(np.concatenate([run_ends, cut]))
            word_pos = np.flatnonzero(is_word)
            norm_text = self.normalized[cps[word_pos]].astype("<u4").tobytes().decode("utf-32-le")
            # Word characters are contiguous in norm_text: run i is [c_end[i] - len[i], c_end[i]).
            c_ends = np.cumsum(run_ends - run_starts)
            c_starts = c_ends - (run_ends - run_starts)
            words = [norm_text[a:b] for a, b in zip(c_starts.tolist(), c_ends.tolist())]
            with self._lock:  # the word tables only grow under the lock
                if len(self.words) > 500_000:
                    self._reset_words()
                get = self.words.get
                index = [get(w, -1) for w in words]
                if -1 in index:
                    self._add_words([w for w, i in zip(words, index) if i == -1])
                    index = [get(w) for w in words]
                word_first, word_count = self.word_first, self.word_count
                piece_ids, piece_starts, piece_ends = (
                    self.piece_ids, self.piece_starts, self.piece_ends
                )
            index_arr = np.asarray(index, dtype=np.int64)
            per_run = word_count[index_arr]
            first = word_first[index_arr]
            total = int(per_run.sum())
            if total == len(index):  # one token per word: no expansion needed
                piece = first
                base = run_starts
            else:
                run_offset = np.cumsum(per_run) - per_run
                piece = np.repeat(first - run_offset, per_run) + np.arange(total)
                base = np.repeat(run_starts, per_run)
            w_ids = piece_ids[piece]
            w_starts = base + piece_starts[piece]
            w_ends = base + piece_ends[piece]
            has_token[w_starts] = True
        pos = np.flatnonzero(has_token)
        ids = self.isolated_ids[cps[pos]]
        ends = pos + 1
        if w_ids is not None:
            at = np.searchsorted(pos, w_starts)
            ids[at] = w_ids
            ends[at] = w_ends
        counts = np.diff(np.searchsorted(pos, text_end), prepend=0)
        shift = np.repeat(text_start, counts)
        starts = (pos - shift).astype(np.int32)
        ends = (ends - shift).astype(np.int32)
        return ids, starts, ends, counts.astype(np.int64, copy=False), fallback
