"""Examples for span extraction and relation extraction, read from JSON lines and validated.

Span extraction (reading comprehension, event subjects, "which person does the text mention"):
one line per example, ``{"query": ..., "text": ..., "answers": [{"text": ..., "start": ...}]}``
(``question``/``context``/``answer_start`` are accepted too; ``answers: []`` means no answer).

Relation extraction, the Baidu DuIE 2019 format: ``{"text": ..., "spo_list": [{"subject": ...,
"predicate": ..., "object": ...}]}``. Subjects and objects are strings of the text; when one
occurs several times, its **first occurrence** is the one labelled (as in the kexue.fm post).

Every problem raises `DataError` naming the example (file and line when read from a file).
Files are UTF-8 unless ``encoding=`` says otherwise (a leading BOM is dropped);
``encoding_errors="replace"`` reads bytes that do not decode as U+FFFD.

>>> ex = load_span_examples([{"query": "人名", "text": "我叫李雷。",
...                           "answers": [{"text": "李雷", "start": 2}]}])
>>> ex[0].answers
[(2, 4)]
>>> rel = load_relation_examples([{"text": "李雷出生于北京。", "spo_list": [
...     {"subject": "李雷", "predicate": "出生地", "object": "北京"}]}])
>>> rel[0].spans
[((0, 2), '出生地', (5, 7))]
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from bertkit.data.examples import DataError, DataNotFoundError
from bertkit.data.files import text_lines

__all__ = ["SpanExample", "RelationExample", "load_span_examples", "load_relation_examples"]


@dataclass
class SpanExample:
    """A query, a text and the answer spans: ``(start, end)`` character offsets, end exclusive.

    No answers means "the text holds no answer to the query".
    """

    query: str
    text: str
    answers: list[tuple[int, int]] = field(default_factory=list)
    where: str = ""

    @property
    def answer_texts(self) -> list[str]:
        return [self.text[s:e] for s, e in self.answers]


@dataclass
class RelationExample:
    """A text and its ``(subject, predicate, object)`` triples, with the character spans used.

    ``spans[i]`` is ``((subject_start, subject_end), predicate, (object_start, object_end))``
    for ``triples[i]``: the first occurrence of each string.
    """

    text: str
    triples: list[tuple[str, str, str]] = field(default_factory=list)
    spans: list[tuple[tuple[int, int], str, tuple[int, int]]] = field(default_factory=list)
    where: str = ""


class ExtractionExamples(list):
    """A list of examples with a seeded `split` into training and validation parts."""

    def split(self, valid_fraction: float = 0.1, seed: int = 0
              ) -> tuple["ExtractionExamples", "ExtractionExamples"]:
        if not 0 < valid_fraction < 1:
            raise ValueError(f"valid_fraction must be between 0 and 1, got {valid_fraction}.")
        order = list(range(len(self)))
        random.Random(seed).shuffle(order)
        n_valid = max(1, int(round(valid_fraction * len(self))))
        valid = sorted(order[:n_valid])
        train = sorted(order[n_valid:])
        return (ExtractionExamples(self[i] for i in train),
                ExtractionExamples(self[i] for i in valid))


# ---- reading ---------------------------------------------------------------------------------

def _records(source: Any, encoding: str = "utf-8", encoding_errors: str = "strict"
             ) -> Iterator[tuple[str, Any]]:
    """``(where, record)`` for a JSON-lines path or an iterable of dicts/examples (an example
    read before keeps its ``where``)."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise DataNotFoundError(f"{path}: no such file (expected JSON lines, one example "
                                    "per line).")
        for number, line in text_lines(path, encoding, encoding_errors):
            where = f"{path} line {number}"
            try:
                yield where, json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{where}: not valid JSON ({err}); each line must be one "
                                "JSON object.") from None
    else:
        for index, record in enumerate(source):
            yield getattr(record, "where", "") or f"example {index}", record


def _field(record: dict[str, Any], names: Sequence[str], where: str) -> Any:
    for name in names:
        if name in record:
            return record[name]
    raise DataError(f"{where}: no {' or '.join(repr(n) for n in names)} field (found "
                    f"{sorted(record)}).")


def _string(value: Any, what: str, where: str) -> str:
    if not isinstance(value, str):
        raise DataError(f"{where}: {what} must be a string, got {type(value).__name__} "
                        f"({value!r}).")
    return value


def load_span_examples(source: Any, *, encoding: str = "utf-8",
                       encoding_errors: str = "strict") -> ExtractionExamples:
    """Span-extraction examples from a JSON-lines file, a list of dicts or `SpanExample` objects.

    Each answer's ``text`` must equal ``text[start:start + len(answer)]``; otherwise (or when a
    field is missing, or a span lies outside the text) a `DataError` names the example.
    ``encoding`` and ``encoding_errors``: how a file's bytes are read (see the module).
    """
    out = ExtractionExamples()
    for where, record in _records(source, encoding, encoding_errors):
        if isinstance(record, SpanExample):
            record = {"query": record.query, "text": record.text,
                      "answers": [{"text": record.text[s:e], "start": s}
                                  for s, e in record.answers]}
        if not isinstance(record, dict):
            raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}.")
        query = _string(_field(record, ("query", "question"), where), "the query", where)
        text = _string(_field(record, ("text", "context"), where), "the text", where)
        if not query.strip():
            raise DataError(f"{where}: the query is empty.")
        answers = record.get("answers", [])
        if isinstance(answers, dict):  # {"text": [...], "answer_start": [...]} (SQuAD on the Hub)
            answers = [{"text": t, "start": s}
                       for t, s in zip(answers.get("text", []), answers.get("answer_start", []))]
        if not isinstance(answers, list):
            raise DataError(f"{where}: 'answers' must be a list of {{'text', 'start'}} objects.")
        spans = []
        for k, answer in enumerate(answers):
            if not isinstance(answer, dict):
                raise DataError(f"{where}: answer {k} must be an object with 'text' and 'start'.")
            answer_text = _string(_field(answer, ("text",), f"{where} answer {k}"),
                                  f"answer {k}", where)
            start = _field(answer, ("start", "answer_start"), f"{where} answer {k}")
            if not isinstance(start, int) or isinstance(start, bool):
                raise DataError(f"{where}: answer {k} start must be an integer, got {start!r}.")
            end = start + len(answer_text)
            if not answer_text:
                raise DataError(f"{where}: answer {k} is empty; leave 'answers' empty for "
                                "\"no answer\".")
            if start < 0 or end > len(text):
                raise DataError(f"{where}: answer {k} ({answer_text!r}) spans characters "
                                f"{start}..{end}, outside the text ({len(text)} characters).")
            if text[start:end] != answer_text:
                found = text.find(answer_text)
                hint = (f"it occurs at start={found}" if found >= 0
                        else "it does not occur in the text at all")
                raise DataError(f"{where}: answer {k} {answer_text!r} is not text[{start}:{end}] "
                                f"(which is {text[start:end]!r}); {hint}.")
            spans.append((start, end))
        out.append(SpanExample(query, text, spans, where))
    return out


def _entity(value: Any, what: str, where: str) -> str:
    if isinstance(value, dict) and "@value" in value:  # DuIE 2.0 objects: {"@value": ...}
        value = value["@value"]
    value = _string(value, what, where)
    if not value:
        raise DataError(f"{where}: the {what} is empty.")
    return value


def load_relation_examples(source: Any, predicates: Sequence[str] | None = None, *,
                           encoding: str = "utf-8", encoding_errors: str = "strict"
                           ) -> ExtractionExamples:
    """Relation-extraction examples in the DuIE 2019 format (JSON lines, dicts or examples).

    Subjects and objects must occur in the text (the first occurrence is used); with
    ``predicates`` given, a triple whose predicate is not among them is an error.
    ``encoding`` and ``encoding_errors``: how a file's bytes are read (see the module).
    """
    allowed = set(predicates) if predicates is not None else None
    out = ExtractionExamples()
    for where, record in _records(source, encoding, encoding_errors):
        if isinstance(record, RelationExample):
            record = {"text": record.text, "spo_list": [
                {"subject": s, "predicate": p, "object": o} for s, p, o in record.triples]}
        if not isinstance(record, dict):
            raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}.")
        text = _string(_field(record, ("text",), where), "the text", where)
        spo = record.get("spo_list", [])
        if not isinstance(spo, list):
            raise DataError(f"{where}: 'spo_list' must be a list of {{subject, predicate, "
                            "object}} objects.")
        triples, spans = [], []
        for k, item in enumerate(spo):
            if not isinstance(item, dict):
                raise DataError(f"{where}: spo_list[{k}] must be an object.")
            subject = _entity(_field(item, ("subject",), where), "subject", where)
            predicate = _string(_field(item, ("predicate",), where), "predicate", where)
            obj = _entity(_field(item, ("object",), where), "object", where)
            if allowed is not None and predicate not in allowed:
                raise DataError(f"{where}: spo_list[{k}] has predicate {predicate!r}, which is "
                                f"not in the model's predicates ({sorted(allowed)[:20]}).")
            s, o = text.find(subject), text.find(obj)
            for name, value, found in (("subject", subject, s), ("object", obj, o)):
                if found < 0:
                    raise DataError(f"{where}: spo_list[{k}] {name} {value!r} does not occur "
                                    "in the text.")
            if (subject, predicate, obj) in triples:
                continue
            triples.append((subject, predicate, obj))
            spans.append(((s, s + len(subject)), predicate, (o, o + len(obj))))
        out.append(RelationExample(text, triples, spans, where))
    return out


def predicates_of(examples: Iterable[RelationExample]) -> list[str]:
    """The sorted predicates used in ``examples``."""
    return sorted({p for ex in examples for _, p, _ in ex.triples})


def write_jsonl(records: Iterable[dict[str, Any]], path: str | os.PathLike) -> str:
    """Write dicts as JSON lines (UTF-8, Chinese kept readable)."""
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
