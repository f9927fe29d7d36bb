"""``mode="tokenizer_json"``: any Hugging Face ``tokenizer.json`` run by ``tokenizers``, as it is.

WordPiece BERT, SentencePiece/Unigram XLM-R, ...: the file's normalizer, pre-tokenizer, model
and post-processor are kept, minus any padding or truncation it carries (bertkit truncates to
``max_len`` itself, longest text first, and pads batches to their longest row).

>>> saved = tok.save(tempfile.mkdtemp())
>>> backend = TokenizerJsonBackend.from_file(Path(saved["tokenizer.json"]))
>>> backend.encode("hello 你好", None, 4).tokens
['[CLS]', 'hello', '你', '[SEP]']
>>> backend.lowercase, backend.min_len
(True, (2, 3))
"""

from __future__ import annotations

import json
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import tokenizers
from tokenizers import processors

from bertkit.errors import TokenizerError
from bertkit.tokenization.backend import Backend
from bertkit.tokenization.checkpoint import (
    TOKENIZER_FILE,
    _normalizer_lowercases,
    _write_tokenizer_json,
)
from bertkit.tokenization.encoding import BatchEncoding, Encoding
from bertkit.tokenization.text import _encode_error, _extend_over_marks, _has_marks, _rust_safe
from bertkit.tokenization.truncation import _keep_counts
from bertkit.tokenization.vocab import _SPECIAL_NAMES


class TokenizerJsonBackend(Backend):
    """A ``tokenizers.Tokenizer`` loaded from a ``tokenizer.json``.

    Attributes:
        rust: the ``tokenizers`` pipeline, padding and truncation off.
    """

    mode = "tokenizer_json"

    def __init__(
        self, rust: tokenizers.Tokenizer, *, specials: dict[str, int | None], source: str
    ) -> None:
        n_single = rust.post_processor.num_special_tokens_to_add(False)
        n_pair = rust.post_processor.num_special_tokens_to_add(True)
        super().__init__(
            lowercase=_lowercases(rust),
            strip_accents_option=None,
            specials=specials,
            source=source,
            min_len=(max(1, n_single), max(1, n_pair)),
        )
        self.rust = rust

    @classmethod
    def from_file(cls, path: Path) -> TokenizerJsonBackend:
        """The backend of the ``tokenizer.json`` at ``path``; a file without a post-processor
        gets BERT's ``[CLS] A [SEP] (B [SEP])`` one."""
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
        return cls(rust, specials=specials, source=str(path))

    # ---------------------------------------------------------------- vocabulary

    @property
    def vocab_size(self) -> int:
        return self.rust.get_vocab_size(with_added_tokens=True)

    def token_to_id(self, token: str) -> int | None:
        return self.rust.token_to_id(token)

    def id_to_token(self, index: int) -> str:
        token = self.rust.id_to_token(index)
        if token is None:
            raise TokenizerError(f"token id {index} has no token in {self.source}")
        return token

    def save_files(self, directory: Path) -> dict[str, str]:
        return _write_tokenizer_json(self.rust, directory)

    # ---------------------------------------------------------------- encoding

    def encode(self, first: str, second: str | None, max_len: int | None) -> Encoding:
        """Encode with the ``tokenizers`` pipeline, truncated to ``max_len``."""
        try:
            enc = self.rust.encode(
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
        n_special = self.min_len[0 if second is None else 1]
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

    def encode_batch(
        self, firsts: list[str], seconds: list[str] | None, max_len: int | None
    ) -> BatchEncoding:
        safe_firsts = list(map(_rust_safe, firsts))
        inputs: list[Any] = (
            safe_firsts if seconds is None else list(zip(safe_firsts, map(_rust_safe, seconds)))
        )
        try:
            encs = self.rust.encode_batch(inputs)
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

    def decode(self, ids: list[int]) -> str:
        return self.rust.decode(ids, skip_special_tokens=False)


def _from_rust(enc: tokenizers.Encoding, first: str, second: str | None) -> Encoding:
    """A ``tokenizers`` encoding as an :class:`Encoding`, offsets extended over accents."""
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


def _lowercases(rust: tokenizers.Tokenizer) -> bool:
    """Whether the pipeline's normalizer lowercases."""
    if rust.normalizer is None:
        return False
    try:
        spec = json.loads(rust.normalizer.__getstate__())
    except Exception:  # pragma: no cover - depends on tokenizers internals
        return False
    return bool(_normalizer_lowercases(spec))
