"""Per-character tables of what text normalisation and basic splitting do to each character.

* :func:`_unicode_tables`: Python's whitespace and lowercasing (char mode's law);
* :func:`_bert_char_classes`: what BERT's normalizer and pre-tokenizer (whitespace and
  punctuation splitting, CJK isolation) do with each BMP character, read off ``tokenizers``
  itself, for the vectorised WordPiece path.

>>> classes, normalized = _bert_char_classes(True, True)
>>> [int(classes[ord(c)]) == k for c, k in (("a", _WORD), (" ", _SPACE), ("你", _ISOLATED))]
[True, True, True]
>>> chr(normalized[ord("A")])
'a'
"""

from __future__ import annotations

import functools
import unicodedata

import numpy as np
from tokenizers import normalizers, pre_tokenizers

from bertkit.tokenization.text import _N_CODEPOINTS


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
