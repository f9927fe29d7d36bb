"""``mode="wordpiece"``: BERT's pipeline over a ``vocab.txt``, as transformers'
``BertTokenizerFast``.

Clean text, split CJK characters, lowercase, strip accents, split on whitespace and punctuation,
greedy WordPiece with ``[UNK]`` and ``##``. Single texts go through ``tokenizers``; batches
through the vectorised :class:`~bertkit.tokenization.fast_wordpiece._FastWordPiece`, which hands
texts with uncommon characters back to ``tokenizers``. Special tokens written in the text
(``"[MASK]"``) are read as such.

>>> backend = tok._backend
>>> backend.encode("Hello [MASK]!", None, None).tokens
['[CLS]', 'hello', '[MASK]', '!', '[SEP]']
>>> backend.decode([10, 11, 6])
'你好 hello'
"""

from __future__ import annotations

import re
from itertools import chain
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import tokenizers
from tokenizers import decoders, models, normalizers, pre_tokenizers, processors

from bertkit.tokenization.checkpoint import _write_tokenizer_json
from bertkit.tokenization.encoding import Encoding
from bertkit.tokenization.fast_wordpiece import _MAX_INPUT_CHARS_PER_WORD, _FastWordPiece
from bertkit.tokenization.text import _encode_error, _extend_over_marks, _has_marks, _rust_safe
from bertkit.tokenization.truncation import _keep_counts
from bertkit.tokenization.vocab import _SPECIAL_NAMES
from bertkit.tokenization.vocab_backend import VocabBackend

# Spaces the WordPiece decoder puts between CJK characters and CJK punctuation are removed.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f"
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


class WordPieceBackend(VocabBackend):
    """BERT WordPiece over a ``vocab.txt``.

    Attributes:
        rust: the ``tokenizers`` pipeline (what ``save`` writes as ``tokenizer.json``).
        fast: the vectorised WordPiece for batches, built on first use.
    """

    mode = "wordpiece"

    def __init__(self, vocab: dict[str, int], **settings: Any) -> None:
        """``settings``: the keyword arguments of :class:`VocabBackend`."""
        super().__init__(vocab, **settings)
        self.rust = _bert_wordpiece(vocab, self.lowercase, self.strip_accents_option)
        self.fast: _FastWordPiece | None = None

    @property
    def strip_accents(self) -> bool:
        """Follows ``lowercase`` unless ``strip_accents`` was given, as BERT."""
        return self.lowercase if self.strip_accents_option is None else self.strip_accents_option

    def save_files(self, directory: Path) -> dict[str, str]:
        written = super().save_files(directory)
        written.update(_write_tokenizer_json(self.rust, directory))
        return written

    def hf_config(self, config: dict[str, Any]) -> None:
        super().hf_config(config)
        config.update(
            tokenizer_class="BertTokenizer",
            strip_accents=self.strip_accents_option,
            tokenize_chinese_chars=True,
            unk_token="[UNK]",
            sep_token="[SEP]",
            pad_token="[PAD]",
            cls_token="[CLS]",
            mask_token="[MASK]",
        )

    def encode(self, first: str, second: str | None, max_len: int | None) -> Encoding:
        rust = self.rust
        try:
            a = rust.encode(_rust_safe(first), add_special_tokens=False)
            b = None if second is None else rust.encode(_rust_safe(second), add_special_tokens=False)
        except Exception as exc:
            raise _encode_error(exc) from exc
        k1, k2 = _keep_counts(len(a), None if b is None else len(b), max_len, 2 if b is None else 3)
        cls_id, sep_id = self.cls_id, self.sep_id
        cls_tok, sep_tok = self.inverse[cls_id], self.inverse[sep_id]
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

    def decode(self, ids: list[int]) -> str:
        return _CJK_SPACE.sub("", self.rust.decode(ids, skip_special_tokens=False))

    def prepare(self) -> None:
        if self.fast is None:
            unk_id: int = self.specials["unk"]  # type: ignore[assignment]
            self.fast = _FastWordPiece(self.vocab, unk_id, self.lowercase, self.strip_accents)

    def content_streams(
        self, texts: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The vectorised WordPiece's streams, with ``tokenizers``' for the texts it hands back."""
        self.prepare()
        assert self.fast is not None
        ids, starts, ends, counts, fallback = self.fast.tokenize(texts)
        if fallback.size == 0:
            return ids, starts, ends, counts
        hard = [texts[i] for i in fallback.tolist()]
        try:
            encs = self.rust.encode_batch(list(map(_rust_safe, hard)), add_special_tokens=False)
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


def _streams_from_rust(encs: Sequence[tokenizers.Encoding]) -> tuple[np.ndarray, ...]:
    """Flat ``(ids, starts, ends, counts)`` of ``tokenizers`` encodings."""
    counts = np.fromiter(map(len, encs), dtype=np.int64, count=len(encs))
    total = int(counts.sum())
    ids = np.fromiter(chain.from_iterable(e.ids for e in encs), np.int32, count=total)
    offsets = np.fromiter(
        chain.from_iterable(chain.from_iterable(e.offsets for e in encs)), np.int32, count=2 * total
    ).reshape(total, 2)
    return ids, offsets[:, 0].copy(), offsets[:, 1].copy(), counts


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

