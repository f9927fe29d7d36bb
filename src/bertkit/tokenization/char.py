"""``mode="char"``: one token per character, keras-bert's recipe for Chinese tagging.

Every character is exactly one token: the character if it is in the vocab (or its lowercase
form), ``[unused1]`` for whitespace, ``[UNK]`` otherwise (lone surrogates included).

>>> char_tok = Tokenizer.from_vocab(os.path.join(folder, "vocab.txt"), mode="char")
>>> char_tok._backend.encode("你 X", None, None).tokens
['[CLS]', '你', '[unused1]', '[UNK]', '[SEP]']
>>> char_tok._backend.decode([10, 1, 11])
'你 好'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bertkit.errors import TokenizerError
from bertkit.tokenization.encoding import Encoding
from bertkit.tokenization.normalization import _unicode_tables
from bertkit.tokenization.text import _N_CODEPOINTS, _codepoints
from bertkit.tokenization.truncation import _keep_counts
from bertkit.tokenization.vocab_backend import VocabBackend

_SPACE_TOKEN = "[unused1]"  # what char mode writes for whitespace (keras-bert recipe)


class CharBackend(VocabBackend):
    """One token per character over a ``vocab.txt`` that has ``[unused1]``.

    Attributes:
        table: ``table[code point]`` is the id of that character.
    """

    mode = "char"

    def __init__(self, vocab: dict[str, int], **settings: Any) -> None:
        """``settings``: the keyword arguments of :class:`VocabBackend`."""
        super().__init__(vocab, **settings)
        unk_id: int = self.specials["unk"]  # type: ignore[assignment]
        self.table = _char_table(vocab, self.lowercase, unk_id, vocab[_SPACE_TOKEN])

    @classmethod
    def _check_strip_accents(cls, strip_accents: bool | None) -> None:
        if strip_accents is not None:
            raise TokenizerError(
                "strip_accents applies only to mode='wordpiece'; char mode maps each character "
                "as it is (or lowercased): leave strip_accents=None"
            )

    @classmethod
    def _check_vocab(cls, vocab: dict[str, int], path: Path) -> None:
        if _SPACE_TOKEN not in vocab:
            raise TokenizerError(
                f"vocabulary file {path} has no {_SPACE_TOKEN} token, which char mode uses "
                f"for whitespace; use a BERT vocab (they reserve [unused1]..) or "
                f"mode='wordpiece'"
            )
        super()._check_vocab(vocab, path)

    def encode(self, first: str, second: str | None, max_len: int | None) -> Encoding:
        a = self.table[_codepoints(first)]
        b = None if second is None else self.table[_codepoints(second)]
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
        inverse = self.inverse
        return Encoding(ids, segs, offsets, [inverse[i] for i in ids], seq)

    def decode(self, ids: list[int]) -> str:
        """The characters of ``ids``; ``[unused1]`` becomes a space."""
        inverse = self.inverse
        return "".join(" " if inverse[i] == _SPACE_TOKEN else inverse[i] for i in ids)

    def content_streams(
        self, texts: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One token per character: the table's ids, offsets ``(i, i + 1)``."""
        n_texts = len(texts)
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=n_texts)
        cps = _codepoints("".join(texts))
        ids = self.table[cps]
        text_start = np.cumsum(lens) - lens
        starts = (np.arange(cps.shape[0]) - np.repeat(text_start, lens)).astype(np.int32)
        return ids, starts, starts + 1, lens


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
