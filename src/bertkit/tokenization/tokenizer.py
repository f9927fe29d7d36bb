"""BERT tokenizers with exact character offsets, built on Hugging Face ``tokenizers``.

Three kinds of tokenizer, all behind :class:`Tokenizer`:

* ``mode="wordpiece"`` (:meth:`Tokenizer.from_vocab`): the BERT pipeline from a ``vocab.txt``
  (clean text, split CJK characters, lowercase, strip accents, split on whitespace and punctuation,
  greedy WordPiece with ``[UNK]`` and ``##``), ``[CLS] A [SEP] (B [SEP])``. Gives the same ids as
  ``transformers.BertTokenizerFast`` on the same vocab.
* ``mode="char"`` (``from_vocab(..., mode="char")``): the keras-bert recipe for Chinese tagging.
  Every character is exactly one token: the character if it is in the vocab (or its lowercase
  form), ``[unused1]`` for whitespace, ``[UNK]`` otherwise.
* ``mode="tokenizer_json"`` (:meth:`Tokenizer.from_file`): any Hugging Face ``tokenizer.json``
  (WordPiece BERT, SentencePiece/Unigram XLM-R, ...) used as is, minus any padding or truncation
  it carries.

Offsets are always ``(start, end)`` character offsets (Python ``str`` indices) into the
*original* text of the segment a token belongs to (``(0, 0)`` for special tokens), so
``text[start:end]`` is what the token covers, whatever lowercasing or accent stripping did.

Details worth knowing:

* Truncation (``max_len``) is bertkit's own, never the ``tokenizers`` one: a single text keeps
  its first tokens and the final ``[SEP]``; a pair is cut longest text first, exactly as
  ``tokenizers``/transformers ``longest_first`` (which, for pairs, builds every combination of
  overflowing pieces: slow on long texts).
* In wordpiece mode, ``encode_batch`` tokenizes texts made of common characters (ASCII, CJK,
  CJK and full-width punctuation, Latin/Greek/Cyrillic letters...) with a vectorised numpy
  implementation of the same pipeline, whose rules are read off ``tokenizers`` itself; other
  texts go through ``tokenizers``. Results are identical (the tests check it).
* Special tokens written in the text (``"[MASK]"``) are read as such in wordpiece mode, as
  ``BertTokenizerFast`` does.
* A decomposed accent (``"e\u0301"``) that accent stripping removes stays inside the span of
  the token before it.
* Lone surrogates (invalid in Rust strings) are read as U+FFFD, which BERT's cleaning drops;
  char mode maps them to ``[UNK]``.

The examples below use a tiny vocabulary:

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> words = ["[PAD]", "[unused1]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
...          "hello", "world", "##s", "!", "你", "好"]
>>> with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
...     _ = f.write("\\n".join(words) + "\\n")
>>> tok = Tokenizer.from_vocab(os.path.join(folder, "vocab.txt"))
>>> enc = tok.encode("Hello worlds! 你好")
>>> enc.tokens
['[CLS]', 'hello', 'world', '##s', '!', '你', '好', '[SEP]']
>>> enc.offsets[2:4]
[(6, 11), (11, 12)]
"""

from __future__ import annotations

import functools
import json
import operator
import os
import re
import threading
import unicodedata
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import tokenizers
from tokenizers import decoders, models, normalizers, pre_tokenizers, processors

from bertkit.errors import TokenizerError

__all__ = ["BatchEncoding", "Encoding", "Tokenizer", "load_vocab"]

MODES = ("wordpiece", "char", "tokenizer_json")
CONFIG_FILE = "tokenizer_config.json"
VOCAB_FILE = "vocab.txt"
TOKENIZER_FILE = "tokenizer.json"

# Names a vocabulary may use for each special token, BERT style first.
_SPECIAL_NAMES: dict[str, tuple[str, ...]] = {
    "cls": ("[CLS]", "<s>", "<cls>"),
    "sep": ("[SEP]", "</s>", "<sep>"),
    "pad": ("[PAD]", "<pad>"),
    "unk": ("[UNK]", "<unk>"),
    "mask": ("[MASK]", "<mask>"),
}
_SPACE_TOKEN = "[unused1]"  # what char mode writes for whitespace (keras-bert recipe)
_MAX_INPUT_CHARS_PER_WORD = 100  # BERT's WordPiece limit: longer words become [UNK]
_N_CODEPOINTS = 0x110000

# Spaces the WordPiece decoder puts between CJK characters and CJK punctuation are removed.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f"
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Vocabulary files
# --------------------------------------------------------------------------------------------


def load_vocab(path: str | Path) -> dict[str, int]:
    """Read a BERT ``vocab.txt`` (one token per line, id = line number) into ``{token: id}``.

    Only ``\\n`` (and ``\\r\\n``) end a line: tokens such as U+2028 stay tokens. Raises
    :class:`~bertkit.errors.TokenizerError` naming the file when it is missing, not UTF-8, empty,
    has blank lines or duplicate tokens, or lacks ``[UNK]``.
    """
    path = Path(path)
    if not path.exists():
        raise TokenizerError(
            f"vocabulary file {path} does not exist; pass the vocab.txt that came with the "
            f"checkpoint (one token per line)"
        )
    if path.is_dir():
        raise TokenizerError(
            f"{path} is a directory, not a vocabulary file; pass {path / VOCAB_FILE} or use "
            f"Tokenizer.from_directory({str(path)!r})"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TokenizerError(
            f"vocabulary file {path} is not UTF-8 text ({exc}); re-save it as UTF-8"
        ) from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise TokenizerError(
            f"vocabulary file {path} is empty; it must list one token per line ([PAD], [UNK], ...)"
        )
    vocab: dict[str, int] = {}
    for i, line in enumerate(lines):
        token = line[:-1] if line.endswith("\r") else line
        if token == "":
            raise TokenizerError(
                f"vocabulary file {path} has a blank line at line {i + 1}; a blank line would "
                f"shift every later id: remove it or restore the token that belongs there"
            )
        if token in vocab:
            raise TokenizerError(
                f"vocabulary file {path} lists token {token!r} twice (lines {vocab[token] + 1} "
                f"and {i + 1}); each token must appear once, or ids are ambiguous"
            )
        vocab[token] = i
    if "[UNK]" not in vocab:
        raise TokenizerError(
            f"vocabulary file {path} has no [UNK] token; a BERT vocab.txt needs [UNK] (and "
            f"[CLS], [SEP], [PAD]). For a SentencePiece model use its tokenizer.json with "
            f"Tokenizer.from_file"
        )
    return vocab


def _require_specials(vocab: dict[str, int], path: Path, names: Iterable[str]) -> None:
    missing = [name for name in names if name not in vocab]
    if missing:
        raise TokenizerError(
            f"vocabulary file {path} lacks {', '.join(missing)}; a BERT vocab.txt defines "
            f"[PAD], [UNK], [CLS], [SEP] and [MASK]"
        )


# --------------------------------------------------------------------------------------------
# Character tables
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _unicode_tables() -> tuple[np.ndarray, tuple[tuple[int, str], ...]]:
    """Whitespace code points (``str.isspace``) and ``(code point, str.lower())`` where it differs.

    Every cased or whitespace character lies in Unicode planes 0 and 1, so those are scanned.
    """
    spaces = []
    lower = []
    for cp in range(0x20000):
        ch = chr(cp)
        if ch.isspace():
            spaces.append(cp)
        low = ch.lower()
        if low != ch:
            lower.append((cp, low))
    return np.asarray(spaces, dtype=np.int64), tuple(lower)


def _char_table(vocab: dict[str, int], lowercase: bool, unk_id: int, space_id: int) -> np.ndarray:
    """``table[code point] -> id`` implementing the char-mode law."""
    table = np.full(_N_CODEPOINTS, unk_id, dtype=np.int32)
    spaces, lower = _unicode_tables()
    table[spaces] = space_id
    if lowercase:
        for cp, low in lower:
            tid = vocab.get(low)
            if tid is not None:
                table[cp] = tid
    for token, tid in vocab.items():
        if len(token) == 1:
            table[ord(token)] = tid
    return table


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


@functools.lru_cache(maxsize=1)
def _mark_pattern() -> re.Pattern[str]:
    """A regex matching one nonspacing combining mark (category Mn)."""
    ranges: list[list[int]] = []
    for cp in chain(range(0x20000), range(0xE0000, 0xE1000)):
        if unicodedata.category(chr(cp)) == "Mn":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    body = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
    )
    return re.compile(f"[{body}]")


def _extend_over_marks(
    offsets: Sequence[tuple[int, int]], sequence_ids: Sequence[int | None], texts: Sequence[str | None]
) -> list[tuple[int, int]]:
    """Let each token also cover the combining marks right after it that no token covers.

    Accent stripping drops decomposed accents from the normalized text, so ``tokenizers`` ends
    the token ``cafe`` of ``"cafe\u0301"`` before the accent; the span should be the whole
    ``"cafe\u0301"``.
    """
    marks = _mark_pattern()
    out = list(offsets)
    next_start: dict[int, int] = {}
    for i in range(len(out) - 1, -1, -1):
        seq = sequence_ids[i]
        if seq is None:
            continue
        text = texts[seq]
        assert text is not None
        start, end = out[i]
        limit = next_start.get(seq, len(text))
        while end < limit and marks.match(text, end):
            end += 1
        out[i] = (start, end)
        next_start[seq] = start
    return out


def _has_marks(text: str | None) -> bool:
    return bool(text) and not text.isascii() and _mark_pattern().search(text) is not None


def _from_rust(enc: tokenizers.Encoding, first: str, second: str | None) -> Encoding:
    offsets = enc.offsets
    if _has_marks(first) or _has_marks(second):
        offsets = _extend_over_marks(offsets, enc.sequence_ids, (first, second))
    return Encoding(
        ids=enc.ids,
        segment_ids=enc.type_ids,
        offsets=offsets,
        tokens=enc.tokens,
        sequence_ids=enc.sequence_ids,
    )


# Classes of characters for the vectorised WordPiece path.
_COMPLEX, _SPACE, _ISOLATED, _WORD = 0, 1, 2, 3


@functools.lru_cache(maxsize=4)
def _bert_char_classes(lowercase: bool, strip_accents: bool) -> tuple[np.ndarray, np.ndarray]:
    """What the BERT normalizer + pre-tokenizer do with each BMP character, asked of ``tokenizers``.

    Returns ``classes`` (uint8, one per code point) and ``normalized`` (uint32 code point the
    character becomes). A character is:

    * ``_SPACE``: becomes a plain space (a word boundary, no token);
    * ``_ISOLATED``: always a word of its own (CJK ideographs, punctuation), one character;
    * ``_WORD``: one character that joins its neighbours into words;
    * ``_COMPLEX``: anything else (removed, expanded, combining, outside the BMP, ...). Texts
      containing one are tokenized by ``tokenizers`` itself.

    Every rule is read off the Rust normalizer and pre-tokenizer, not re-implemented.
    """
    classes = np.zeros(_N_CODEPOINTS, dtype=np.uint8)
    normalized = np.zeros(0x10000, dtype=np.uint32)
    norm = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=strip_accents, lowercase=lowercase
    )
    pre = pre_tokenizers.BertPreTokenizer()
    sep = "|"
    candidates = []
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xF8FF or cp == ord(sep):  # surrogates, private use
            continue
        ch = chr(cp)
        # Combining marks attach to (and NFD reorders them with) their neighbours.
        if unicodedata.category(ch).startswith("M") or unicodedata.combining(ch):
            continue
        if strip_accents and unicodedata.combining(unicodedata.normalize("NFD", ch)[0]):
            continue
        candidates.append(ch)
    candidates.append(sep)
    outputs = norm.normalize_str(sep.join(candidates[:-1])).split(sep) + [norm.normalize_str(sep)]
    if len(outputs) != len(candidates):  # cannot align: leave everything to tokenizers
        return classes, normalized
    single = []
    for ch, out in zip(candidates, outputs):
        cp = ord(ch)
        if out == " ":
            classes[cp] = _SPACE
        elif len(out) == 3 and out[0] == " " and out[2] == " " and not out[1].isspace():
            classes[cp] = _ISOLATED
            normalized[cp] = ord(out[1])
        elif len(out) == 1 and not out.isspace():
            single.append((cp, out))
    # One pre-tokenizer call tells, for each single character x, whether "axa" stays one word.
    pieces = pre.pre_tokenize_str("".join(f"a{x}a " for _, x in single))
    k = 0
    for cp, x in single:
        if k < len(pieces) and pieces[k][0] == f"a{x}a":
            classes[cp] = _WORD
            k += 1
        elif k + 2 < len(pieces) and [p[0] for p in pieces[k : k + 3]] == ["a", x, "a"]:
            classes[cp] = _ISOLATED
            k += 3
        else:  # unexpected: give up on the fast path rather than guess
            return np.zeros(_N_CODEPOINTS, dtype=np.uint8), normalized
        normalized[cp] = ord(x)
    if k != len(pieces):
        return np.zeros(_N_CODEPOINTS, dtype=np.uint8), normalized
    return classes, normalized


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


# --------------------------------------------------------------------------------------------
# Batch assembly
# --------------------------------------------------------------------------------------------


_MIN_TEXTS_PER_THREAD = 2048
_POOL: ThreadPoolExecutor | None = None


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _batch_workers(n_texts: int) -> int:
    """Threads for a batch of ``n_texts``: one per core, at least 2,048 texts each."""
    return max(1, min(_available_cores(), n_texts // _MIN_TEXTS_PER_THREAD))


def _thread_pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(_available_cores(), thread_name_prefix="bertkit-tokenize")
    return _POOL


def _concatenate_batches(parts: list[BatchEncoding], pad_id: int) -> BatchEncoding:
    """One batch from consecutive batches, padded to the longest row of all."""
    width = max(p.token_ids.shape[1] for p in parts)

    def padded(array: np.ndarray, value: int) -> np.ndarray:
        extra = width - array.shape[1]
        if not extra:
            return array
        pad = [(0, 0), (0, extra)] + [(0, 0)] * (array.ndim - 2)
        return np.pad(array, pad, constant_values=value)

    starts = np.cumsum([0] + [len(p) for p in parts])

    def row(i: int) -> Encoding:
        k = int(np.searchsorted(starts, i, side="right")) - 1
        return parts[k][i - int(starts[k])]

    return BatchEncoding(
        np.concatenate([padded(p.token_ids, pad_id) for p in parts]),
        np.concatenate([padded(p.segment_ids, 0) for p in parts]),
        np.concatenate([padded(p.padding_mask, 0) for p in parts]),
        np.concatenate([padded(p.offsets, 0) for p in parts]),
        np.concatenate([p.lengths for p in parts]),
        row,
    )



def _keep_counts(n1: int, n2: int | None, max_len: int | None, n_special: int) -> tuple[int, int]:
    """Tokens kept of a text (and its pair) to fit ``max_len``; LongestFirst for pairs."""
    if max_len is None:
        return n1, n2 or 0
    budget = max_len - n_special
    if n2 is None:
        return min(n1, budget), 0
    if n1 + n2 <= budget:
        return n1, n2
    short, long_ = min(n1, n2), max(n1, n2)
    new_long = short if short > budget else max(short, budget - short)
    new_short = short
    if short + new_long > budget:
        new_short, new_long = budget // 2, budget // 2 + budget % 2
    keep_short, keep_long = min(short, new_short), min(long_, new_long)
    return (keep_long, keep_short) if n1 > n2 else (keep_short, keep_long)


def _longest_first(c1: np.ndarray, c2: np.ndarray, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """Tokens kept of each text of a pair: ``tokenizers``' LongestFirst, vectorised."""
    swap = c1 > c2
    short = np.minimum(c1, c2)
    long_ = np.maximum(c1, c2)
    new_long = np.where(short > budget, short, np.maximum(short, budget - short))
    both = short + new_long > budget
    new_short = np.where(both, budget // 2, short)
    new_long = np.where(both, budget // 2 + budget % 2, new_long)
    keep_short = np.minimum(short, new_short)
    keep_long = np.minimum(long_, new_long)
    need = c1 + c2 > budget
    k1 = np.where(need, np.where(swap, keep_long, keep_short), c1)
    k2 = np.where(need, np.where(swap, keep_short, keep_long), c2)
    return k1, k2


def _streams_from_rust(encs: Sequence[tokenizers.Encoding]) -> tuple[np.ndarray, ...]:
    """Flat ``(ids, starts, ends, counts)`` of ``tokenizers`` encodings."""
    counts = np.fromiter(map(len, encs), dtype=np.int64, count=len(encs))
    total = int(counts.sum())
    ids = np.fromiter(chain.from_iterable(e.ids for e in encs), np.int32, count=total)
    offsets = np.fromiter(
        chain.from_iterable(chain.from_iterable(e.offsets for e in encs)), np.int32, count=2 * total
    ).reshape(total, 2)
    return ids, offsets[:, 0].copy(), offsets[:, 1].copy(), counts


# --------------------------------------------------------------------------------------------
# The tokenizer
# --------------------------------------------------------------------------------------------


class Tokenizer:
    """Text to BERT token ids, with offsets into the original text.

    Build one with :meth:`from_vocab`, :meth:`from_file` or :meth:`from_directory`; not with
    ``Tokenizer(...)``. Instances are safe to share between threads.

    >>> tok.encode("hello 你好").ids
    [3, 6, 10, 11, 4]
    >>> tok.decode([3, 6, 10, 11, 4])
    'hello 你好'
    """

    def __init__(
        self,
        *,
        mode: str,
        lowercase: bool,
        strip_accents: bool | None,
        vocab: dict[str, int] | None,
        rust: tokenizers.Tokenizer | None,
        specials: dict[str, int | None],
        source: str,
    ) -> None:
        self._mode = mode
        self._lowercase = bool(lowercase)
        self._strip_accents = strip_accents
        self._vocab = vocab
        self._rust = rust
        self._specials = specials
        self._source = source
        self._fast: _FastWordPiece | None = None
        self._inverse: list[str] | None = None
        self._char_table: np.ndarray | None = None
        if vocab is not None:
            inverse = [""] * (max(vocab.values()) + 1)
            for token, tid in vocab.items():
                inverse[tid] = token
            self._inverse = inverse
        if mode == "char":
            assert vocab is not None
            self._char_table = _char_table(
                vocab, self._lowercase, specials["unk"], vocab[_SPACE_TOKEN]  # type: ignore[arg-type]
            )
        if rust is not None:
            n_single = rust.post_processor.num_special_tokens_to_add(False)
            n_pair = rust.post_processor.num_special_tokens_to_add(True)
        else:
            n_single, n_pair = 2, 3
        self._min_len = (max(1, n_single), max(1, n_pair))

    # ---------------------------------------------------------------- construction

    @classmethod
    def from_vocab(
        cls,
        path: str | Path,
        lowercase: bool = True,
        mode: str = "wordpiece",
        strip_accents: bool | None = None,
    ) -> Tokenizer:
        """A tokenizer from a BERT ``vocab.txt``.

        Args:
            path: the ``vocab.txt`` (one token per line; the id is the line number).
            lowercase: lowercase the text (``do_lower_case``; True for uncased and Chinese BERT).
            mode: ``"wordpiece"`` (BERT) or ``"char"`` (one token per character, keras-bert's
                recipe for Chinese tagging; the vocab must contain ``[unused1]``).
            strip_accents: strip accents (wordpiece mode); ``None`` follows ``lowercase`` as BERT.

        >>> tok.mode, tok.vocab_size, tok.cls_id, tok.sep_id
        ('wordpiece', 12, 3, 4)
        >>> char_tok = Tokenizer.from_vocab(os.path.join(folder, "vocab.txt"), mode="char")
        >>> char_tok.encode("你 好!").tokens
        ['[CLS]', '你', '[unused1]', '好', '!', '[SEP]']
        """
        if mode not in ("wordpiece", "char"):
            raise TokenizerError(
                f"mode={mode!r} is not supported by from_vocab: use 'wordpiece' (BERT) or 'char' "
                f"(one token per character); for a tokenizer.json use Tokenizer.from_file"
            )
        if not isinstance(lowercase, (bool, np.bool_)):
            raise TokenizerError(f"lowercase must be True or False, got {lowercase!r}")
        if strip_accents is not None and not isinstance(strip_accents, (bool, np.bool_)):
            raise TokenizerError(f"strip_accents must be True, False or None, got {strip_accents!r}")
        if mode == "char" and strip_accents is not None:
            raise TokenizerError(
                "strip_accents applies only to mode='wordpiece'; char mode maps each character "
                "as it is (or lowercased): leave strip_accents=None"
            )
        path = Path(path)
        vocab = load_vocab(path)
        required = ["[PAD]", "[CLS]", "[SEP]"]
        if mode == "char":
            required.append(_SPACE_TOKEN)
            if _SPACE_TOKEN not in vocab:
                raise TokenizerError(
                    f"vocabulary file {path} has no {_SPACE_TOKEN} token, which char mode uses "
                    f"for whitespace; use a BERT vocab (they reserve [unused1]..) or "
                    f"mode='wordpiece'"
                )
        _require_specials(vocab, path, required)
        specials = {
            "cls": vocab["[CLS]"],
            "sep": vocab["[SEP]"],
            "pad": vocab["[PAD]"],
            "unk": vocab["[UNK]"],
            "mask": vocab.get("[MASK]"),
        }
        rust = None
        if mode == "wordpiece":
            rust = _bert_wordpiece(vocab, bool(lowercase), strip_accents)
        return cls(
            mode=mode,
            lowercase=bool(lowercase),
            strip_accents=None if strip_accents is None else bool(strip_accents),
            vocab=vocab,
            rust=rust,
            specials=specials,
            source=str(path),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Tokenizer:
        """A tokenizer from a Hugging Face ``tokenizer.json``, used as it is.

        Its normalizer, pre-tokenizer, model and post-processor are kept; any padding or
        truncation stored in the file is switched off (bertkit truncates to ``max_len`` and pads
        batches to their longest row). A file without a post-processor gets BERT's
        ``[CLS] A [SEP] (B [SEP])`` one.

        >>> saved = tok.save(tempfile.mkdtemp())
        >>> Tokenizer.from_file(saved["tokenizer.json"]).encode("hello 你好").ids
        [3, 6, 10, 11, 4]
        """
        path = Path(path)
        if not path.exists():
            raise TokenizerError(
                f"tokenizer file {path} does not exist; pass the tokenizer.json of the checkpoint"
            )
        if path.is_dir():
            raise TokenizerError(
                f"{path} is a directory; pass {path / TOKENIZER_FILE} or use "
                f"Tokenizer.from_directory({str(path)!r})"
            )
        try:
            rust = tokenizers.Tokenizer.from_file(str(path))
        except Exception as exc:
            raise TokenizerError(
                f"{path} is not a valid Hugging Face tokenizer.json ({exc}); pass the "
                f"tokenizer.json saved by `tokenizers`/transformers, or a vocab.txt to from_vocab"
            ) from exc
        padding = rust.padding
        rust.no_padding()
        rust.no_truncation()
        specials: dict[str, int | None] = {}
        for key, names in _SPECIAL_NAMES.items():
            specials[key] = next(
                (i for i in map(rust.token_to_id, names) if i is not None), None
            )
        if specials["pad"] is None and padding:
            specials["pad"] = padding.get("pad_id")
        missing = [_SPECIAL_NAMES[k][0] for k in ("cls", "sep", "pad") if specials[k] is None]
        if missing:
            raise TokenizerError(
                f"tokenizer file {path} has no {' / '.join(missing)} token (looked for "
                f"{', '.join(n for k in ('cls', 'sep', 'pad') for n in _SPECIAL_NAMES[k])}); "
                f"bertkit needs a classification, separator and padding token"
            )
        if rust.post_processor is None:
            cls_tok = rust.id_to_token(specials["cls"])
            sep_tok = rust.id_to_token(specials["sep"])
            rust.post_processor = processors.TemplateProcessing(
                single=f"{cls_tok}:0 $A:0 {sep_tok}:0",
                pair=f"{cls_tok}:0 $A:0 {sep_tok}:0 $B:1 {sep_tok}:1",
                special_tokens=[(cls_tok, specials["cls"]), (sep_tok, specials["sep"])],
            )
        return cls(
            mode="tokenizer_json",
            lowercase=_lowercases(rust),
            strip_accents=None,
            vocab=None,
            rust=rust,
            specials=specials,
            source=str(path),
        )

    @classmethod
    def from_directory(
        cls, path: str | Path, lowercase: bool | None = None, mode: str | None = None
    ) -> Tokenizer:
        """A tokenizer from a checkpoint directory (Google TF, Hugging Face or bertkit's save).

        Which file: the ``mode`` argument if given, else the bertkit settings in
        ``tokenizer_config.json`` (written by :meth:`save`), else ``vocab.txt`` when there is one
        and any ``tokenizer.json`` beside it is WordPiece (BERT), else ``tokenizer.json``.
        For ``vocab.txt``, ``lowercase`` comes from the argument, else the bertkit settings, else
        ``do_lower_case`` in ``tokenizer_config.json``, else the ``tokenizer.json`` normalizer,
        else True (BERT's default, right for Chinese BERT).

        >>> Tokenizer.from_directory(folder).encode("Hello!").tokens
        ['[CLS]', 'hello', '!', '[SEP]']
        >>> Tokenizer.from_directory(folder, mode="char").encode("Hello!").tokens
        ['[CLS]', '[UNK]', '[UNK]', '[UNK]', '[UNK]', '[UNK]', '!', '[SEP]']
        """
        return cls._load_directory(Path(path), lowercase=lowercase, mode=mode)

    @classmethod
    def _load_directory(
        cls,
        path: Path,
        lowercase: bool | None = None,
        mode: str | None = None,
        strip_accents: Any = "unset",
    ) -> Tokenizer:
        if mode is not None and mode not in MODES:
            raise TokenizerError(f"mode={mode!r} is not one of {', '.join(MODES)}")
        if path.is_file():
            if path.suffix == ".json":
                return cls.from_file(path)
            return cls.from_vocab(
                path,
                lowercase=True if lowercase is None else lowercase,
                mode=mode or "wordpiece",
                strip_accents=None if strip_accents == "unset" else strip_accents,
            )
        if not path.is_dir():
            raise TokenizerError(
                f"tokenizer directory {path} does not exist; pass the folder holding vocab.txt "
                f"or tokenizer.json"
            )
        config_path = path / CONFIG_FILE
        config = _read_json(config_path) if config_path.exists() else {}
        settings = config.get("bertkit")
        if not isinstance(settings, dict):
            settings = {}
        elif settings.get("mode") not in MODES:
            raise TokenizerError(
                f"{config_path} names bertkit mode={settings.get('mode')!r}; expected one of "
                f"{', '.join(MODES)}. Save the tokenizer again or fix the file"
            )
        vocab_file = path / VOCAB_FILE
        tokenizer_file = path / TOKENIZER_FILE
        tj: dict[str, Any] | None = None
        both = vocab_file.exists() and tokenizer_file.exists()
        if both and not settings and (
            mode is None or (lowercase is None and "do_lower_case" not in config)
        ):
            tj = _read_json(tokenizer_file)  # its model type and normalizer settle the rest
        if mode is None:
            mode = settings.get("mode")
        if mode is None:
            if vocab_file.exists() and (tj is None or (tj.get("model") or {}).get("type") == "WordPiece"):
                mode = "wordpiece"
            elif tokenizer_file.exists():
                mode = "tokenizer_json"
            else:
                found = sorted(p.name for p in path.iterdir())
                hint = ""
                if any(name.endswith(".model") for name in found):
                    hint = (
                        " A SentencePiece .model file needs converting to tokenizer.json first "
                        "(transformers' AutoTokenizer.from_pretrained(...).save_pretrained(...) "
                        "does it)."
                    )
                raise TokenizerError(
                    f"no {VOCAB_FILE} or {TOKENIZER_FILE} in {path} (found: "
                    f"{', '.join(found) or 'nothing'}).{hint}"
                )
        if mode == "tokenizer_json":
            if not tokenizer_file.exists():
                raise TokenizerError(
                    f"mode='tokenizer_json' needs {tokenizer_file}, which is missing"
                )
            tok = cls.from_file(tokenizer_file)
            if lowercase is not None and bool(lowercase) != tok.lowercase:
                warnings.warn(
                    f"lowercase={lowercase} is ignored: {tokenizer_file} defines its own "
                    f"normalization (lowercase={tok.lowercase})",
                    stacklevel=3,
                )
            return tok
        if not vocab_file.exists():
            raise TokenizerError(
                f"mode={mode!r} needs {vocab_file}, which is missing"
                + (
                    f"; {tokenizer_file} exists: use mode='tokenizer_json' for it"
                    if tokenizer_file.exists()
                    else ""
                )
            )
        if lowercase is None:
            lowercase = settings.get("lowercase")
        if lowercase is None:
            lowercase = config.get("do_lower_case")
        if lowercase is None and tj is not None:
            lowercase = _normalizer_lowercases(tj.get("normalizer"))
        if lowercase is None:
            lowercase = True
        if strip_accents == "unset":
            if settings:
                strip_accents = settings.get("strip_accents")
            else:
                strip_accents = config.get("strip_accents")
            if not isinstance(strip_accents, bool):
                strip_accents = None
        if mode == "char":
            strip_accents = None
        return cls.from_vocab(
            vocab_file, lowercase=bool(lowercase), mode=mode, strip_accents=strip_accents
        )

    def get_config(self) -> dict[str, Any]:
        """The tokenizer's settings, for a model config (the vocab files are saved separately).

        >>> tok.get_config()
        {'mode': 'wordpiece', 'lowercase': True, 'strip_accents': None, 'vocab_size': 12}
        """
        return {
            "mode": self._mode,
            "lowercase": self._lowercase,
            "strip_accents": self._strip_accents,
            "vocab_size": self.vocab_size,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], path: str | Path) -> Tokenizer:
        """Rebuild from :meth:`get_config` and the directory (or file) holding the vocabulary.

        >>> Tokenizer.from_config(tok.get_config(), folder).encode("hello").ids
        [3, 6, 4]
        """
        if not isinstance(config, dict) or config.get("mode") not in MODES:
            raise TokenizerError(
                f"tokenizer config {config!r} needs 'mode' set to one of {', '.join(MODES)}"
            )
        path = Path(path)
        tok = cls._load_directory(
            path,
            lowercase=bool(config.get("lowercase", True)),
            mode=config["mode"],
            strip_accents=config.get("strip_accents"),
        )
        expected = config.get("vocab_size")
        if expected is not None and expected != tok.vocab_size:
            raise TokenizerError(
                f"the vocabulary in {path} has {tok.vocab_size} tokens but the config expects "
                f"{expected}; pass the vocabulary saved with this model"
            )
        return tok

    def save(self, directory: str | Path) -> dict[str, str]:
        """Write the tokenizer to ``directory``; :meth:`from_directory` restores it exactly.

        Writes ``vocab.txt`` (wordpiece and char modes), ``tokenizer.json`` (wordpiece and
        tokenizer_json modes; loadable by ``tokenizers`` and transformers) and
        ``tokenizer_config.json`` with ``do_lower_case`` and a ``"bertkit"`` section (mode,
        lowercase, strip_accents). Keys already in ``tokenizer_config.json`` are kept. Returns
        ``{file name: path}``.

        >>> sorted(tok.save(tempfile.mkdtemp()))
        ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt']
        """
        directory = Path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TokenizerError(f"cannot create tokenizer directory {directory}: {exc}") from exc
        written: dict[str, str] = {}
        if self._inverse is not None:
            target = directory / VOCAB_FILE
            target.write_text("\n".join(self._inverse) + "\n", encoding="utf-8")
            written[VOCAB_FILE] = str(target)
        if self._rust is not None:
            data = self._rust.to_str(pretty=True)
            target = directory / TOKENIZER_FILE
            target.write_text(data, encoding="utf-8")
            written[TOKENIZER_FILE] = str(target)
        config_path = directory / CONFIG_FILE
        config: dict[str, Any] = {}
        if config_path.exists():
            try:
                old = json.loads(config_path.read_text(encoding="utf-8"))
                if isinstance(old, dict):
                    config = old
            except (ValueError, UnicodeDecodeError):
                config = {}
        if self._mode != "tokenizer_json":
            config["do_lower_case"] = self._lowercase
        if self._mode == "wordpiece":
            config.update(
                tokenizer_class="BertTokenizer",
                strip_accents=self._strip_accents,
                tokenize_chinese_chars=True,
                unk_token="[UNK]",
                sep_token="[SEP]",
                pad_token="[PAD]",
                cls_token="[CLS]",
                mask_token="[MASK]",
            )
        config["bertkit"] = {
            "mode": self._mode,
            "lowercase": self._lowercase,
            "strip_accents": self._strip_accents,
        }
        config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written[CONFIG_FILE] = str(config_path)
        return written

    # ---------------------------------------------------------------- vocabulary

    @property
    def mode(self) -> str:
        """``"wordpiece"``, ``"char"`` or ``"tokenizer_json"``."""
        return self._mode

    @property
    def lowercase(self) -> bool:
        """Whether text is lowercased before lookup."""
        return self._lowercase

    @property
    def strip_accents(self) -> bool:
        """Whether accents are stripped (wordpiece mode: follows ``lowercase`` unless set)."""
        if self._mode != "wordpiece":
            return False
        return self._lowercase if self._strip_accents is None else self._strip_accents

    @property
    def vocab_size(self) -> int:
        """Number of token ids (the size of the model's token embedding)."""
        if self._inverse is not None:
            return len(self._inverse)
        assert self._rust is not None
        return self._rust.get_vocab_size(with_added_tokens=True)

    def token_to_id(self, token: str) -> int | None:
        """Id of ``token``, or ``None`` when it is not in the vocabulary."""
        if self._vocab is not None:
            return self._vocab.get(token)
        assert self._rust is not None
        return self._rust.token_to_id(token)

    def id_to_token(self, token_id: int) -> str:
        """The token of ``token_id``.

        >>> tok.id_to_token(10)
        '你'
        """
        try:
            index = operator.index(token_id)
        except TypeError:
            raise TokenizerError(f"token id must be an integer, got {token_id!r}") from None
        if not 0 <= index < self.vocab_size:
            raise TokenizerError(f"token id {index} is out of range [0, {self.vocab_size})")
        if self._inverse is not None:
            return self._inverse[index]
        assert self._rust is not None
        token = self._rust.id_to_token(index)
        if token is None:
            raise TokenizerError(f"token id {index} has no token in {self._source}")
        return token

    @property
    def cls_id(self) -> int:
        """Id of ``[CLS]`` (``<s>`` for XLM-R style vocabularies)."""
        return self._specials["cls"]  # type: ignore[return-value]

    @property
    def sep_id(self) -> int:
        """Id of ``[SEP]`` (``</s>``)."""
        return self._specials["sep"]  # type: ignore[return-value]

    @property
    def pad_id(self) -> int:
        """Id of ``[PAD]`` (``<pad>``), used to pad batches."""
        return self._specials["pad"]  # type: ignore[return-value]

    @property
    def unk_id(self) -> int | None:
        """Id of ``[UNK]`` (``<unk>``); ``None`` only for a tokenizer.json without one."""
        return self._specials["unk"]

    @property
    def mask_id(self) -> int | None:
        """Id of ``[MASK]`` (``<mask>``), or ``None`` when the vocabulary has none."""
        return self._specials["mask"]

    def __repr__(self) -> str:
        return (
            f"Tokenizer(mode={self._mode!r}, lowercase={self._lowercase}, "
            f"vocab_size={self.vocab_size}, source={self._source!r})"
        )

    # ---------------------------------------------------------------- encoding

    def encode(self, first: str, second: str | None = None, max_len: int | None = 512) -> Encoding:
        """Encode a text, or a pair of texts, as ``[CLS] first [SEP] (second [SEP])``.

        Args:
            first: the text.
            second: the optional second text of a pair (segment id 1).
            max_len: the most tokens, specials included; longer inputs are cut (a pair longest
                text first). ``None``: no limit.

        >>> enc = tok.encode("hello worlds", "你好", max_len=5)
        >>> enc.tokens, enc.segment_ids
        (['[CLS]', 'hello', '[SEP]', '你', '[SEP]'], [0, 0, 0, 1, 1])
        """
        _check_text(first, "first")
        if second is not None:
            _check_text(second, "second")
        max_len = self._check_max_len(max_len, second is not None)
        if self._mode == "char":
            return self._encode_char(first, second, max_len)
        if self._mode == "wordpiece":
            return self._encode_wordpiece(first, second, max_len)
        return self._encode_rust(first, second, max_len)

    def tokenize(self, text: str) -> list[str]:
        """The tokens of ``text``, without special tokens or truncation.

        >>> tok.tokenize("Hello worlds!")
        ['hello', 'world', '##s', '!']
        """
        enc = self.encode(text, max_len=None)
        return [t for t, s in zip(enc.tokens, enc.sequence_ids) if s is not None]

    def encode_batch(
        self,
        texts: Sequence[str] | Sequence[tuple[str, str]],
        second: Sequence[str] | None = None,
        max_len: int | None = 512,
    ) -> BatchEncoding:
        """Encode many texts (or pairs) at once into padded numpy arrays.

        Rows are padded to the longest row of the batch, not to ``max_len``. Pairs are given as
        ``second`` (a list as long as ``texts``) or as ``texts=[(a, b), ...]``. Work is spread
        over all cores; the result equals calling :meth:`encode` on each input.

        >>> batch = tok.encode_batch(["hello 你好", "worlds"], max_len=8)
        >>> batch.token_ids
        array([[ 3,  6, 10, 11,  4],
               [ 3,  7,  8,  4,  0]], dtype=int32)
        >>> batch.padding_mask.sum(axis=1).tolist()
        [5, 4]
        """
        firsts, seconds = self._split_batch(texts, second)
        pair = seconds is not None
        max_len = self._check_max_len(max_len, pair)
        if self._mode == "tokenizer_json":
            return self._encode_batch_rust(firsts, seconds, max_len)
        workers = _batch_workers(len(firsts))
        if workers == 1:
            return self._encode_batch_streams(firsts, seconds, max_len)
        # Large batches: contiguous chunks on threads (numpy releases the GIL in most of the
        # work), then one padded batch.
        self._ensure_fast()
        bounds = np.linspace(0, len(firsts), workers + 1).astype(int).tolist()
        chunks = [(firsts[a:b], None if seconds is None else seconds[a:b])
                  for a, b in zip(bounds[:-1], bounds[1:])]
        parts = list(_thread_pool().map(
            lambda chunk: self._encode_batch_streams(chunk[0], chunk[1], max_len), chunks))
        return _concatenate_batches(parts, self.pad_id)

    def _ensure_fast(self) -> None:
        if self._mode == "wordpiece" and self._fast is None:
            assert self._vocab is not None
            self._fast = _FastWordPiece(
                self._vocab, self.unk_id, self._lowercase, self.strip_accents  # type: ignore[arg-type]
            )

    def _encode_batch_streams(
        self, firsts: list[str], seconds: list[str] | None, max_len: int | None
    ) -> BatchEncoding:
        """``encode_batch`` in this thread, through the flat token streams."""
        pair = seconds is not None
        n = len(firsts)
        all_texts = firsts if seconds is None else firsts + seconds
        ids, starts, ends, counts = self._content_streams(all_texts)
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

    def decode(self, ids: Sequence[int] | np.ndarray, skip_special_tokens: bool = True) -> str:
        """Text from token ids. ``[CLS]``, ``[SEP]`` and padding are dropped unless
        ``skip_special_tokens=False``; ``[UNK]`` and ``[MASK]`` are kept. WordPiece pieces are
        joined and the spaces BERT puts between CJK characters removed; in char mode
        ``[unused1]`` becomes a space.

        >>> tok.decode(tok.encode("Hello worlds! 你好").ids)
        'hello worlds! 你好'
        """
        arr = np.asarray(ids)
        if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
            raise TokenizerError(
                f"decode takes one sequence of integer ids, got an array of shape {arr.shape} "
                f"and dtype {arr.dtype}; for a batch, decode each row"
            )
        if arr.size and (arr.min() < 0 or arr.max() >= self.vocab_size):
            raise TokenizerError(
                f"decode: ids must lie in [0, {self.vocab_size}) (out of range: "
                f"{arr[(arr < 0) | (arr >= self.vocab_size)][:5].tolist()})"
            )
        if skip_special_tokens:
            drop = [self.cls_id, self.sep_id, self.pad_id]
            arr = arr[~np.isin(arr, drop)]
        id_list = [int(i) for i in arr]
        if self._mode == "char":
            assert self._inverse is not None
            return "".join(" " if self._inverse[i] == _SPACE_TOKEN else self._inverse[i] for i in id_list)
        assert self._rust is not None
        text = self._rust.decode(id_list, skip_special_tokens=False)
        if self._mode == "wordpiece":
            text = _CJK_SPACE.sub("", text)
        return text

    # ---------------------------------------------------------------- internals

    def _check_max_len(self, max_len: int | None, pair: bool) -> int | None:
        if max_len is None:
            return None
        if isinstance(max_len, bool):
            raise TokenizerError(f"max_len must be an integer or None, got {max_len!r}")
        try:
            value = operator.index(max_len)
        except TypeError:
            raise TokenizerError(f"max_len must be an integer or None, got {max_len!r}") from None
        minimum = self._min_len[1 if pair else 0]
        if value < minimum:
            what = "a pair of texts" if pair else "a single text"
            raise TokenizerError(
                f"max_len={value} is too small: {what} needs at least {minimum} positions for its "
                f"special tokens; pass max_len >= {minimum}, or None for no limit"
            )
        return value

    def _split_batch(
        self, texts: Any, second: Any
    ) -> tuple[list[str], list[str] | None]:
        if isinstance(texts, str) or not isinstance(texts, Iterable):
            raise TokenizerError(
                f"encode_batch takes a list of texts (or of (text, text) pairs), got "
                f"{type(texts).__name__}; for one text use encode()"
            )
        texts = list(texts)
        if second is not None:
            if isinstance(second, str) or not isinstance(second, Iterable):
                raise TokenizerError(
                    f"second must be a list of texts as long as texts, got {type(second).__name__}"
                )
            second = list(second)
            if len(second) != len(texts):
                raise TokenizerError(
                    f"texts has {len(texts)} entries but second has {len(second)}; pass one "
                    f"second text per text"
                )
            firsts, seconds = texts, second
        elif texts and not isinstance(texts[0], str):
            firsts, seconds = [], []
            for i, item in enumerate(texts):
                if not (isinstance(item, (tuple, list)) and len(item) == 2):
                    raise TokenizerError(
                        f"texts[{i}] is {item!r}: give all texts as strings, or all as "
                        f"(first, second) pairs"
                    )
                firsts.append(item[0])
                seconds.append(item[1])
        else:
            firsts, seconds = texts, None
        for name, group in (("texts", firsts), ("second", seconds)):
            if group is not None and not all(isinstance(t, str) for t in group):
                i = next(i for i, t in enumerate(group) if not isinstance(t, str))
                label = name if seconds is None or second is not None else "texts pair"
                raise TokenizerError(
                    f"{label}[{i}] is a {type(group[i]).__name__}, not a str: every text must be a string"
                )
        return firsts, seconds

    def _content_streams(
        self, texts: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Flat token streams (no specials, no truncation) of wordpiece or char mode."""
        n_texts = len(texts)
        if self._mode == "char":
            assert self._char_table is not None
            lens = np.fromiter(map(len, texts), dtype=np.int64, count=n_texts)
            cps = _codepoints("".join(texts))
            ids = self._char_table[cps]
            text_start = np.cumsum(lens) - lens
            starts = (np.arange(cps.shape[0]) - np.repeat(text_start, lens)).astype(np.int32)
            return ids, starts, starts + 1, lens
        self._ensure_fast()
        assert self._fast is not None
        ids, starts, ends, counts, fallback = self._fast.tokenize(texts)
        if fallback.size == 0:
            return ids, starts, ends, counts
        assert self._rust is not None
        hard = [texts[i] for i in fallback.tolist()]
        try:
            encs = self._rust.encode_batch(list(map(_rust_safe, hard)), add_special_tokens=False)
        except Exception as exc:
            raise _encode_error(exc) from exc
        r_ids, r_starts, r_ends, r_counts = _streams_from_rust(encs)
        r_first = np.cumsum(r_counts) - r_counts
        for j, text in enumerate(hard):
            if _has_marks(text):
                a, b = int(r_first[j]), int(r_first[j] + r_counts[j])
                fixed = _extend_over_marks(
                    list(zip(r_starts[a:b].tolist(), r_ends[a:b].tolist())), [0] * (b - a), (text,)
                )
                r_ends[a:b] = [e for _, e in fixed]
        # Slot each fallback text's tokens in where its (empty) stream is.
        at = np.repeat((np.cumsum(counts) - counts)[fallback], r_counts)
        counts = counts.copy()
        counts[fallback] = r_counts
        ids = np.insert(ids, at, r_ids)
        starts = np.insert(starts, at, r_starts)
        ends = np.insert(ends, at, r_ends)
        return ids, starts, ends, counts

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
        lengths_c, k1_c, k2_c = lengths, k1, k2

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
                tokens=self._tokens_of(row_ids),
                sequence_ids=seq,
            )

        return BatchEncoding(token_ids, segment_ids, padding_mask, offsets, lengths, row)

    def _tokens_of(self, ids: list[int]) -> list[str]:
        if self._inverse is not None:
            inverse = self._inverse
            return [inverse[i] for i in ids]
        return [self.id_to_token(i) for i in ids]

    def _encode_batch_rust(
        self, firsts: list[str], seconds: list[str] | None, max_len: int | None
    ) -> BatchEncoding:
        assert self._rust is not None
        safe_firsts = list(map(_rust_safe, firsts))
        inputs: list[Any] = (
            safe_firsts if seconds is None else list(zip(safe_firsts, map(_rust_safe, seconds)))
        )
        try:
            encs = self._rust.encode_batch(inputs)
        except Exception as exc:
            raise _encode_error(exc) from exc
        truncated: dict[int, Encoding] = {}  # the rows longer than max_len, cut
        if max_len is not None:
            for i, enc in enumerate(encs):
                if len(enc) > max_len:
                    second = None if seconds is None else seconds[i]
                    truncated[i] = self._truncate_rust(enc, firsts[i], second, max_len)
        n = len(encs)
        ids_of = [e.ids for e in encs]
        type_ids_of = [e.type_ids for e in encs]
        offsets_of = [e.offsets for e in encs]
        for i, enc in truncated.items():
            ids_of[i], type_ids_of[i], offsets_of[i] = enc.ids, enc.segment_ids, enc.offsets
        lengths = np.fromiter(map(len, ids_of), dtype=np.int64, count=n)
        total = int(lengths.sum())
        width = int(lengths.max()) if n else 0
        mask = np.arange(width)[None, :] < lengths[:, None]
        token_ids = np.full((n, width), self.pad_id, dtype=np.int32)
        token_ids[mask] = np.fromiter(chain.from_iterable(ids_of), np.int32, count=total)
        segment_ids = np.zeros((n, width), dtype=np.int32)
        segment_ids[mask] = np.fromiter(chain.from_iterable(type_ids_of), np.int32, count=total)
        offsets = np.zeros((n, width, 2), dtype=np.int32)
        offsets[mask] = np.fromiter(
            chain.from_iterable(chain.from_iterable(offsets_of)), np.int32, count=2 * total
        ).reshape(total, 2)
        for i, first in enumerate(firsts):
            second = None if seconds is None else seconds[i]
            if i not in truncated and (_has_marks(first) or _has_marks(second)):
                fixed = _extend_over_marks(encs[i].offsets, encs[i].sequence_ids, (first, second))
                offsets[i, : len(fixed)] = fixed

        def row(i: int) -> Encoding:
            if i in truncated:
                return truncated[i]
            return _from_rust(encs[i], firsts[i], None if seconds is None else seconds[i])

        return BatchEncoding(token_ids, segment_ids, mask, offsets, lengths, row)

    def _encode_rust(self, first: str, second: str | None, max_len: int | None) -> Encoding:
        """Encode with the ``tokenizers`` pipeline (tokenizer_json mode), truncated to ``max_len``."""
        assert self._rust is not None
        try:
            enc = self._rust.encode(
                _rust_safe(first), None if second is None else _rust_safe(second)
            )
        except Exception as exc:
            raise _encode_error(exc) from exc
        return self._truncate_rust(enc, first, second, max_len)

    def _truncate_rust(
        self, enc: tokenizers.Encoding, first: str, second: str | None, max_len: int | None
    ) -> Encoding:
        """``enc`` (post-processed, not truncated) cut to ``max_len`` tokens, longest text first.

        The template's special tokens stay; the texts keep their first tokens. This is what
        truncating before post-processing gives, without ``tokenizers``' truncation, which for
        pairs builds every combination of overflowing pieces (quadratic in the text lengths).
        """
        if max_len is None or len(enc) <= max_len:
            return _from_rust(enc, first, second)
        sequence_ids = enc.sequence_ids
        special = enc.special_tokens_mask
        n1 = sum(1 for q, sp in zip(sequence_ids, special) if q == 0 and not sp)
        n2 = sum(1 for q, sp in zip(sequence_ids, special) if q == 1 and not sp)
        n_special = self._min_len[0 if second is None else 1]
        k1, k2 = _keep_counts(n1, None if second is None else n2, max_len, n_special)
        keep = []
        seen = {0: 0, 1: 0}
        limit = {0: k1, 1: k2}
        for i, (q, sp) in enumerate(zip(sequence_ids, special)):
            if sp or q is None:
                keep.append(i)
            elif seen[q] < limit[q]:
                keep.append(i)
                seen[q] += 1
        ids, type_ids, offsets, tokens = enc.ids, enc.type_ids, enc.offsets, enc.tokens
        kept_seq = [sequence_ids[i] for i in keep]
        kept_offsets = [offsets[i] for i in keep]
        if _has_marks(first) or _has_marks(second):
            kept_offsets = _extend_over_marks(kept_offsets, kept_seq, (first, second))
        return Encoding(
            ids=[ids[i] for i in keep],
            segment_ids=[type_ids[i] for i in keep],
            offsets=kept_offsets,
            tokens=[tokens[i] for i in keep],
            sequence_ids=kept_seq,
        )

    def _encode_wordpiece(self, first: str, second: str | None, max_len: int | None) -> Encoding:
        assert self._rust is not None and self._inverse is not None
        rust = self._rust
        try:
            a = rust.encode(_rust_safe(first), add_special_tokens=False)
            b = None if second is None else rust.encode(_rust_safe(second), add_special_tokens=False)
        except Exception as exc:
            raise _encode_error(exc) from exc
        k1, k2 = _keep_counts(len(a), None if b is None else len(b), max_len, 2 if b is None else 3)
        cls_id, sep_id = self.cls_id, self.sep_id
        cls_tok, sep_tok = self._inverse[cls_id], self._inverse[sep_id]
        a_off = a.offsets[:k1]
        if _has_marks(first):
            a_off = _extend_over_marks(a_off, [0] * k1, (first,))
        ids = [cls_id, *a.ids[:k1], sep_id]
        tokens = [cls_tok, *a.tokens[:k1], sep_tok]
        offsets = [(0, 0), *a_off, (0, 0)]
        segs = [0] * (k1 + 2)
        seq: list[int | None] = [None, *([0] * k1), None]
        if b is not None:
            assert second is not None
            b_off = b.offsets[:k2]
            if _has_marks(second):
                b_off = _extend_over_marks(b_off, [0] * k2, (second,))
            ids += [*b.ids[:k2], sep_id]
            tokens += [*b.tokens[:k2], sep_tok]
            offsets += [*b_off, (0, 0)]
            segs += [1] * (k2 + 1)
            seq += [*([1] * k2), None]
        return Encoding(ids, segs, offsets, tokens, seq)

    def _encode_char(self, first: str, second: str | None, max_len: int | None) -> Encoding:
        assert self._char_table is not None and self._inverse is not None
        a = self._char_table[_codepoints(first)]
        b = None if second is None else self._char_table[_codepoints(second)]
        k1, k2 = _keep_counts(a.size, None if b is None else b.size, max_len, 2 if b is None else 3)
        a = a[:k1]
        if b is not None:
            b = b[:k2]
        cls_id, sep_id = self.cls_id, self.sep_id
        ids = [cls_id, *a.tolist(), sep_id]
        segs = [0] * len(ids)
        offsets = [(0, 0)] + [(i, i + 1) for i in range(a.size)] + [(0, 0)]
        seq: list[int | None] = [None] + [0] * a.size + [None]
        if b is not None:
            ids += [*b.tolist(), sep_id]
            segs += [1] * (b.size + 1)
            offsets += [(i, i + 1) for i in range(b.size)] + [(0, 0)]
            seq += [1] * b.size + [None]
        inverse = self._inverse
        return Encoding(ids, segs, offsets, [inverse[i] for i in ids], seq)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _bert_wordpiece(
    vocab: dict[str, int], lowercase: bool, strip_accents: bool | None
) -> tokenizers.Tokenizer:
    """The BERT pipeline of ``transformers.BertTokenizerFast`` over ``vocab``."""
    rust = tokenizers.Tokenizer(
        models.WordPiece(
            vocab,
            unk_token="[UNK]",
            continuing_subword_prefix="##",
            max_input_chars_per_word=_MAX_INPUT_CHARS_PER_WORD,
        )
    )
    rust.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=strip_accents, lowercase=lowercase
    )
    rust.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    rust.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    rust.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    # As BertTokenizerFast: special tokens written in the text ("[MASK]") are matched as such.
    specials = [name for names in _SPECIAL_NAMES.values() for name in names[:1] if name in vocab]
    rust.add_special_tokens(
        [tokenizers.AddedToken(name, special=True, normalized=False) for name in specials]
    )
    return rust


def _normalizer_lowercases(spec: Any) -> bool | None:
    """Whether a ``tokenizer.json`` normalizer (as JSON) lowercases; ``None`` if no normalizer."""
    if not isinstance(spec, dict):
        return None
    kind = spec.get("type")
    if kind == "BertNormalizer":
        return bool(spec.get("lowercase", False))
    if kind == "Lowercase":
        return True
    if kind == "Sequence":
        return any(_normalizer_lowercases(s) for s in spec.get("normalizers", []))
    return False


def _lowercases(rust: tokenizers.Tokenizer) -> bool:
    if rust.normalizer is None:
        return False
    try:
        spec = json.loads(rust.normalizer.__getstate__())
    except Exception:  # pragma: no cover - depends on tokenizers internals
        return False
    return bool(_normalizer_lowercases(spec))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenizerError(f"{path} is not valid JSON ({exc}); fix or delete it") from exc
    if not isinstance(data, dict):
        raise TokenizerError(f"{path} should hold a JSON object, found {type(data).__name__}")
    return data


def _check_text(text: Any, name: str) -> None:
    if not isinstance(text, str):
        raise TokenizerError(f"{name} must be a str, got {type(text).__name__}")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _rust_safe(text: str) -> str:
    """``text`` with lone surrogates (which Rust strings cannot hold) replaced by U+FFFD.

    One code point for one, so offsets are unchanged; BERT's normalizer then drops them.
    """
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text)


def _encode_error(exc: Exception) -> TokenizerError:
    return TokenizerError(f"the text could not be tokenized: {exc}")
