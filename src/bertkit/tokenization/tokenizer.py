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

:class:`Tokenizer` checks arguments and hands the rest to one backend object, picked when it is
built (see :mod:`bertkit.tokenization.backend`): :mod:`~bertkit.tokenization.wordpiece`,
:mod:`~bertkit.tokenization.char` or :mod:`~bertkit.tokenization.tokenizer_json`. The shared
pieces live in modules of their own: :mod:`~bertkit.tokenization.encoding` (:class:`Encoding`,
:class:`BatchEncoding`), :mod:`~bertkit.tokenization.vocab` (:func:`load_vocab`),
:mod:`~bertkit.tokenization.checkpoint` (files on disk), :mod:`~bertkit.tokenization.batching`
(threads), :mod:`~bertkit.tokenization.truncation`, :mod:`~bertkit.tokenization.normalization`,
:mod:`~bertkit.tokenization.text` and :mod:`~bertkit.tokenization.arguments`.

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

import operator
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bertkit.errors import TokenizerError
from bertkit.tokenization.arguments import _check_max_len, _check_text, _split_batch
from bertkit.tokenization.backend import MODES, Backend
from bertkit.tokenization.char import CharBackend
from bertkit.tokenization.checkpoint import _load_directory, _write_config
from bertkit.tokenization.encoding import BatchEncoding, Encoding
from bertkit.tokenization.tokenizer_json import TokenizerJsonBackend
from bertkit.tokenization.vocab import load_vocab
from bertkit.tokenization.vocab_backend import VocabBackend
from bertkit.tokenization.wordpiece import WordPieceBackend

__all__ = ["BatchEncoding", "Encoding", "Tokenizer", "load_vocab"]

# The backends from_vocab builds, by mode; from_file builds a TokenizerJsonBackend.
_VOCAB_BACKENDS: dict[str, type[VocabBackend]] = {
    "wordpiece": WordPieceBackend,
    "char": CharBackend,
}


class Tokenizer:
    """Text to BERT token ids, with offsets into the original text.

    Build one with :meth:`from_vocab`, :meth:`from_file` or :meth:`from_directory`; not with
    ``Tokenizer(...)``. Instances are safe to share between threads.

    >>> tok.encode("hello 你好").ids
    [3, 6, 10, 11, 4]
    >>> tok.decode([3, 6, 10, 11, 4])
    'hello 你好'
    """

    def __init__(self, backend: Backend) -> None:
        """Wrap ``backend``, which does everything that depends on the mode."""
        self._backend = backend

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
        if mode not in tuple(_VOCAB_BACKENDS):
            raise TokenizerError(
                f"mode={mode!r} is not supported by from_vocab: use 'wordpiece' (BERT) or 'char' "
                f"(one token per character); for a tokenizer.json use Tokenizer.from_file"
            )
        if not isinstance(lowercase, (bool, np.bool_)):
            raise TokenizerError(f"lowercase must be True or False, got {lowercase!r}")
        if strip_accents is not None and not isinstance(strip_accents, (bool, np.bool_)):
            raise TokenizerError(f"strip_accents must be True, False or None, got {strip_accents!r}")
        backend = _VOCAB_BACKENDS[mode].from_vocab(path, bool(lowercase), strip_accents)
        return cls(backend)

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
        return cls(TokenizerJsonBackend.from_file(Path(path)))

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
        return _load_directory(cls, Path(path), lowercase=lowercase, mode=mode)

    def get_config(self) -> dict[str, Any]:
        """The tokenizer's settings, for a model config (the vocab files are saved separately).

        >>> tok.get_config()
        {'mode': 'wordpiece', 'lowercase': True, 'strip_accents': None, 'vocab_size': 12}
        """
        backend = self._backend
        return {
            "mode": backend.mode,
            "lowercase": backend.lowercase,
            "strip_accents": backend.strip_accents_option,
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
        tok = _load_directory(
            cls,
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
        written = self._backend.save_files(directory)
        written.update(_write_config(self._backend, directory))
        return written

    # ---------------------------------------------------------------- vocabulary

    @property
    def mode(self) -> str:
        """``"wordpiece"``, ``"char"`` or ``"tokenizer_json"``."""
        return self._backend.mode

    @property
    def lowercase(self) -> bool:
        """Whether text is lowercased before lookup."""
        return self._backend.lowercase

    @property
    def strip_accents(self) -> bool:
        """Whether accents are stripped (wordpiece mode: follows ``lowercase`` unless set)."""
        return self._backend.strip_accents

    @property
    def vocab_size(self) -> int:
        """Number of token ids (the size of the model's token embedding)."""
        return self._backend.vocab_size

    def token_to_id(self, token: str) -> int | None:
        """Id of ``token``, or ``None`` when it is not in the vocabulary."""
        return self._backend.token_to_id(token)

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
        return self._backend.id_to_token(index)

    @property
    def cls_id(self) -> int:
        """Id of ``[CLS]`` (``<s>`` for XLM-R style vocabularies)."""
        return self._backend.cls_id

    @property
    def sep_id(self) -> int:
        """Id of ``[SEP]`` (``</s>``)."""
        return self._backend.sep_id

    @property
    def pad_id(self) -> int:
        """Id of ``[PAD]`` (``<pad>``), used to pad batches."""
        return self._backend.pad_id

    @property
    def unk_id(self) -> int | None:
        """Id of ``[UNK]`` (``<unk>``); ``None`` only for a tokenizer.json without one."""
        return self._backend.specials["unk"]

    @property
    def mask_id(self) -> int | None:
        """Id of ``[MASK]`` (``<mask>``), or ``None`` when the vocabulary has none."""
        return self._backend.specials["mask"]

    def __repr__(self) -> str:
        backend = self._backend
        return (
            f"Tokenizer(mode={backend.mode!r}, lowercase={backend.lowercase}, "
            f"vocab_size={self.vocab_size}, source={backend.source!r})"
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
        max_len = _check_max_len(max_len, self._backend.min_len, second is not None)
        return self._backend.encode(first, second, max_len)

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
        firsts, seconds = _split_batch(texts, second)
        max_len = _check_max_len(max_len, self._backend.min_len, seconds is not None)
        return self._backend.encode_batch(firsts, seconds, max_len)

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
        return self._backend.decode([int(i) for i in arr])
