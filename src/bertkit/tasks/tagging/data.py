"""Texts with typed entity spans: `TaggedExamples`, readers, validation and token alignment.

Examples are ``(text, [(start, end, type), ...])`` with character offsets into the text
(``end`` exclusive). Readers: "char tag" column files (MSRA, People's Daily: one character and
its BIO/BMES tag per line, a blank line between sentences) and JSON lines
``{"text": ..., "entities": [{"start": 0, "end": 2, "type": "LOC"}]}``. Every problem raises a
`DataError` naming the example (file and line when read from a file). Files are UTF-8 unless
``encoding=`` says otherwise (a leading BOM is dropped); ``encoding_errors="replace"`` reads
bytes that do not decode as U+FFFD.

>>> ex = TaggedExamples(["北京欢迎你"], [[(0, 2, "LOC")]])
>>> ex.types, ex.entity_texts(0)
(['LOC'], ['北京'])
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from bertkit._messages import shorten
from bertkit.data import DataError, DataNotFoundError
from bertkit.data.files import text_lines
from bertkit.tasks.tagging.schemes import Span, TagScheme, detect_scheme, scheme_name, split_tag


def _as_span(raw: Any, where: str) -> Span:
    if isinstance(raw, dict):
        kind = raw.get("type", raw.get("label"))
        try:
            return Span(int(raw["start"]), int(raw["end"]), kind)
        except (KeyError, TypeError, ValueError):
            raise DataError(f"{where}entity {raw!r} needs integer 'start' and 'end' and a "
                            "'type' (or 'label').") from None
    if isinstance(raw, (tuple, list)) and len(raw) == 3:
        start, end, kind = raw
        if isinstance(start, (int, np.integer)) and isinstance(end, (int, np.integer)):
            return Span(int(start), int(end), kind)
    raise DataError(f"{where}entity {raw!r} must be (start, end, type) with integer character "
                    "offsets, end exclusive.")


def validate_spans(text: str, spans: Iterable[Any], where: str = "",
                   allow_overlap: bool = False) -> list[Span]:
    """Spans as sorted `Span` tuples; a `DataError` naming ``where`` when one is unusable."""
    out = [_as_span(s, where) for s in spans]
    for span in out:
        if not isinstance(span.type, str) or not span.type.strip():
            raise DataError(f"{where}entity {tuple(span)} has no type (a non-empty string).")
        if not 0 <= span.start < span.end <= len(text):
            raise DataError(
                f"{where}entity {tuple(span)} lies outside the text ({len(text)} characters); "
                "offsets are character positions with 0 <= start < end <= len(text).")
    out.sort(key=lambda s: (s.start, s.end))
    if not allow_overlap:
        for a, b in zip(out, out[1:]):
            if b.start < a.end:
                raise DataError(
                    f"{where}entities {tuple(a)} and {tuple(b)} overlap; BIO/BMES tags cannot "
                    "express overlapping (nested) entities: keep one of them.")
    return out


@dataclass
class TaggedExamples:
    """Texts and, per text, its entities as character spans ``(start, end, type)``.

    ``sources`` (optional) says where each example came from (``"train.txt line 12"``), for
    error messages. Spans are validated on construction: inside the text, typed, no overlaps.
    """

    texts: list[str]
    entities: list[list[Span]]
    sources: list[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.texts, str):
            raise DataError("texts must be a list of texts, not one string.")
        self.texts = list(self.texts)
        if len(self.entities) != len(self.texts):
            raise DataError(f"{len(self.texts)} texts but {len(self.entities)} entity lists; "
                            "give one list of (start, end, type) spans per text (maybe empty).")
        if self.sources is not None and len(self.sources) != len(self.texts):
            raise DataError("sources must name one place per text.")
        checked = []
        for i, (text, spans) in enumerate(zip(self.texts, self.entities)):
            where = f"{self.where(i)}: "
            if not isinstance(text, str):
                raise DataError(f"{where}the text is a {type(text).__name__}, not a string.")
            checked.append(validate_spans(text, spans, where))
        self.entities = checked

    def where(self, index: int) -> str:
        return self.sources[index] if self.sources else f"example {index}"

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def types(self) -> list[str]:
        """The entity types present, sorted."""
        return sorted({s.type for spans in self.entities for s in spans})

    def entity_texts(self, index: int) -> list[str]:
        return [self.texts[index][s.start:s.end] for s in self.entities[index]]

    def subset(self, indices: Sequence[int] | np.ndarray) -> "TaggedExamples":
        idx = [int(i) for i in indices]
        return TaggedExamples([self.texts[i] for i in idx], [self.entities[i] for i in idx],
                              [self.where(i) for i in idx])

    def split(self, valid_fraction: float = 0.1, seed: int = 0
              ) -> tuple["TaggedExamples", "TaggedExamples"]:
        """A seeded random split into training and validation examples."""
        if not 0 < valid_fraction < 1:
            raise DataError(f"valid_fraction must lie in (0, 1), got {valid_fraction}.")
        order = np.random.default_rng(seed).permutation(len(self))
        n_valid = max(1, int(round(len(self) * valid_fraction)))
        return self.subset(np.sort(order[n_valid:])), self.subset(np.sort(order[:n_valid]))


# ---- readers -------------------------------------------------------------------------------

def read_char_tags(path: str | os.PathLike, scheme: str | None = None, strict: bool = True,
                   limit: int | None = None, *, encoding: str = "utf-8",
                   encoding_errors: str = "strict") -> TaggedExamples:
    """Read a "char tag" column file: one character and its tag per line, blank line between
    sentences (MSRA NER, People's Daily). Tab or space separated; CRLF line ends are fine.

    ``scheme``: ``"BIO"`` or ``"BMES"``; detected from the tags when None. ``strict=True``
    raises on an ill-formed tag sequence (``E-PER`` with no ``B-PER`` before it) naming the
    line; ``strict=False`` repairs it (the stray tag begins an entity). ``limit``: read only
    the first ``limit`` sentences. ``encoding``, ``encoding_errors``: see the module.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataNotFoundError(f"{path}: no such file.")
    name = os.path.basename(path)
    sentences: list[tuple[int, list[str], list[str]]] = []
    chars: list[str] = []
    tags: list[str] = []
    first_line = 1
    for lineno, line in text_lines(path, encoding, encoding_errors, keep_blank=True, name=name):
        line = line.rstrip("\r\n")
        if not line.strip():
            if chars:
                sentences.append((first_line, chars, tags))
                if limit is not None and len(sentences) >= limit:
                    break
            chars, tags = [], []
            continue
        if not chars:
            first_line = lineno
        if "\t" in line:
            char, _, tag = line.rpartition("\t")
        else:
            char, _, tag = line.rpartition(" ")
        tag = tag.strip()
        if not tag or (char == "" and not line.startswith((" ", "\t"))):
            raise DataError(f"{name} line {lineno}: {shorten(line)} is not 'CHARACTER TAG'.")
        if len(char) != 1:
            char = char.strip() or " "
        if len(char) != 1:
            raise DataError(f"{name} line {lineno}: {shorten(char)} is not one character; a "
                            "char-tag file has one character and its tag per line.")
        chars.append(char)
        tags.append(tag)
    if chars and (limit is None or len(sentences) < limit):
        sentences.append((first_line, chars, tags))
    if not sentences:
        raise DataError(f"{path}: no sentences found (one 'CHARACTER TAG' per line expected).")
    all_tags = {t for _, _, ts in sentences for t in ts}
    scheme = scheme_name(scheme) if scheme else detect_scheme(sorted(all_tags))
    types = sorted({k for t in all_tags for k in [split_tag(t)[1]] if k is not None})
    tag_scheme = TagScheme(scheme, types)
    texts, entities, sources = [], [], []
    for first, chars, tags in sentences:
        for offset, tag in enumerate(tags):  # unknown prefixes, named by their line
            tag_scheme.tag_id(tag, where=f"{name} line {first + offset}: ")
        try:
            spans = tag_scheme.tags_to_spans(
                tags, strict=strict, locate=lambda i, first=first: f"{name} line {first + i}: ")
        except DataError as err:
            raise DataError(f"{err} Fix the tags, or read with strict=False to repair such "
                            "sequences (the stray tag then begins an entity).") from None
        texts.append("".join(chars))
        entities.append(spans)
        sources.append(f"{name} line {first}")
    return TaggedExamples(texts, entities, sources)


def read_entities_jsonl(path: str | os.PathLike, *, encoding: str = "utf-8",
                        encoding_errors: str = "strict") -> TaggedExamples:
    """Read JSON lines ``{"text": ..., "entities": [{"start", "end", "type"}, ...]}``
    (``encoding``, ``encoding_errors``: see the module)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataNotFoundError(f"{path}: no such file.")
    name = os.path.basename(path)
    texts, entities, sources = [], [], []
    for lineno, line in text_lines(path, encoding, encoding_errors, name=name):
        where = f"{name} line {lineno}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(f"{where}: not valid JSON ({err}).") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise DataError(f'{where}: expected an object with a "text" string and '
                            '"entities": [{"start", "end", "type"}, ...].')
        spans = row.get("entities", row.get("spans", []))
        if not isinstance(spans, list):
            raise DataError(f'{where}: "entities" must be a list.')
        texts.append(row["text"])
        entities.append(validate_spans(row["text"], spans, f"{where}: "))
        sources.append(where)
    if not texts:
        raise DataError(f"{path}: no examples found.")
    return TaggedExamples(texts, entities, sources)


def load_tagged(data: Any, *, encoding: str = "utf-8", encoding_errors: str = "strict",
                **kwargs: Any) -> TaggedExamples:
    """`TaggedExamples` from a file (``.jsonl``/``.json``: JSON lines, else a char-tag column
    file, read with ``kwargs`` of `read_char_tags`), a list of ``(text, spans)`` pairs, or
    `TaggedExamples` (returned as is)."""
    if isinstance(data, TaggedExamples):
        return data
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if path.endswith((".jsonl", ".json", ".ndjson")):
            return read_entities_jsonl(path, encoding=encoding, encoding_errors=encoding_errors)
        return read_char_tags(path, encoding=encoding, encoding_errors=encoding_errors, **kwargs)
    if isinstance(data, (list, tuple)) and all(
            isinstance(row, (list, tuple)) and len(row) == 2 for row in data):
        return TaggedExamples([row[0] for row in data], [list(row[1]) for row in data])
    raise DataError("tagging data must be a file path, TaggedExamples, or a list of "
                    "(text, [(start, end, type), ...]) pairs.")


# ---- alignment with tokens -----------------------------------------------------------------

def labelled_positions(offsets: np.ndarray, sequence_mask: np.ndarray) -> np.ndarray:
    """``bool (T,)``: the tokens that carry a tag: real tokens of the text covering >= 1 char."""
    return sequence_mask & (offsets[:, 1] > offsets[:, 0])


def char_spans_to_token_spans(spans: Sequence[Span], offsets: np.ndarray,
                              labelled: np.ndarray) -> tuple[list[Span], int]:
    """Project character spans onto tokens: an entity covers every token it touches.

    Returns (token spans, number of entities dropped: cut off by truncation, or sharing a
    token with an earlier entity because one token holds both).
    """
    positions = np.flatnonzero(labelled)
    starts, ends = offsets[positions, 0], offsets[positions, 1]
    out: list[Span] = []
    dropped = 0
    taken_until = -1
    for span in map(lambda s: Span(*s), spans):
        touched = positions[(ends > span.start) & (starts < span.end)]
        if len(touched) == 0 or touched[0] <= taken_until:
            dropped += 1
            continue
        out.append(Span(int(touched[0]), int(touched[-1]) + 1, span.type))
        taken_until = int(touched[-1])
    return out, dropped


def token_tag_ids(scheme: TagScheme, spans: Sequence[Span], labelled: np.ndarray) -> np.ndarray:
    """``int32 (T,)`` tag ids for the labelled tokens, ``-1`` elsewhere.

    Token spans are in token positions; BIO/BMES tags follow the labelled tokens in order.
    """
    positions = np.flatnonzero(labelled)
    index = {int(p): k for k, p in enumerate(positions)}
    compact = [Span(index[s.start], index[s.end - 1] + 1, s.type) for s in spans]
    tags = scheme.spans_to_tags(compact, len(positions))
    ids = np.full(len(labelled), -1, np.int32)
    ids[positions] = [scheme.tag_id(t) for t in tags]
    return ids


def token_tags_to_char_spans(scheme: TagScheme, tag_ids: Sequence[int], offsets: np.ndarray,
                             labelled: np.ndarray) -> list[Span]:
    """Decode predicted tag ids of the labelled tokens back to character spans of the text."""
    positions = np.flatnonzero(labelled)
    tags = [scheme.tags[int(tag_ids[p])] if tag_ids[p] >= 0 else "O" for p in positions]
    spans = []
    for s in scheme.tags_to_spans(tags):
        first, last = positions[s.start], positions[s.end - 1]
        spans.append(Span(int(offsets[first, 0]), int(offsets[last, 1]), s.type))
    return spans
