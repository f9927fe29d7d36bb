"""Relation-extraction examples as model inputs and pointer targets.

Examples come from `bertkit.data.extraction.load_relation_examples` (DuIE JSON lines). Each text
is encoded once with its subjects' token spans and, per subject, its objects' spans and
predicates. A batch trains every text with one of its subjects, drawn anew each epoch (seeded by
``(seed, epoch, example)``): the targets mark all subjects' starts and ends, and the chosen
subject's objects per predicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from bertkit.data.extraction import RelationExample
from bertkit.data.pointer_batches import PointerBatches, pad_rows
from bertkit.errors import DataError
from bertkit.tasks.common.pointers import char_span_to_tokens, encode_keeping_first


@dataclass
class EncodedRelationExample:
    ids: list[int]
    segment_ids: list[int]
    subjects: list[tuple[int, int]] = field(default_factory=list)
    #: subject token span -> [(predicate index, object start, object end)]
    objects: dict[tuple[int, int], list[tuple[int, int, int]]] = field(default_factory=dict)


def _inexpressible(spans: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Two spans the nearest-end decoding cannot both recover: one whose start is followed by
    another span's end before its own end (e.g. same start, nested or crossing spans)."""
    unique = sorted(set(spans))
    for s, e in unique:
        for s2, e2 in unique:
            if (s2, e2) != (s, e) and s <= e2 < e:
                return (s, e), (s2, e2)
    return None


def encode_relation_examples(examples: Sequence[RelationExample], tokenizer: Any, max_len: int,
                             predicates: Sequence[str], on_conflict: str = "error"
                             ) -> tuple[list[EncodedRelationExample], dict[str, int]]:
    """Token inputs with subject spans and per-subject object spans (token indices).

    Triples cut off by ``max_len`` are dropped (counted). Gold spans the pointer scheme cannot
    express (two subjects, or two objects of one subject and predicate, where one's end lies
    inside the other: decoding pairs each start with the nearest end) raise a `DataError` naming
    the example, or with ``on_conflict="skip"`` leave the example out (counted).
    """
    if on_conflict not in ("error", "skip"):
        raise ValueError(f"on_conflict must be 'error' or 'skip', not {on_conflict!r}.")
    index = {p: i for i, p in enumerate(predicates)}
    out, counts = [], {"triples_truncated": 0, "conflicts_skipped": 0}
    for ex in examples:
        enc = encode_keeping_first(tokenizer, None, ex.text, max_len, ex.where)
        item = EncodedRelationExample(enc.ids, enc.segment_ids)
        per_predicate: dict[tuple[tuple[int, int], int], list[tuple[int, int]]] = {}
        for (subject, predicate, obj), (s_span, _, o_span) in zip(ex.triples, ex.spans):
            if predicate not in index:
                raise DataError(f"{ex.where}: predicate {predicate!r} is not one of the "
                                f"model's predicates ({list(predicates)[:20]}).")
            s_tok = char_span_to_tokens(enc, *s_span, seq=0)
            o_tok = char_span_to_tokens(enc, *o_span, seq=0)
            if s_tok is None or o_tok is None:
                counts["triples_truncated"] += 1
                continue
            if s_tok not in item.objects:
                item.subjects.append(s_tok)
                item.objects[s_tok] = []
            item.objects[s_tok].append((index[predicate], *o_tok))
            per_predicate.setdefault((s_tok, index[predicate]), []).append(o_tok)
        conflict = _inexpressible(item.subjects)
        what = "subjects"
        if conflict is None:
            for (s_tok, p), spans in per_predicate.items():
                conflict = _inexpressible(spans)
                if conflict is not None:
                    what = f"objects of predicate {predicates[p]!r}"
                    break
        if conflict is not None:
            if on_conflict == "skip":
                counts["conflicts_skipped"] += 1
                continue
            (a, b), (c, d) = conflict
            text_of = lambda s, e: ex.text[enc.offsets[s][0]:enc.offsets[e][1]]  # noqa: E731
            raise DataError(
                f"{ex.where}: the {what} {text_of(a, b)!r} and {text_of(c, d)!r} overlap so that "
                "the pointer scheme cannot express both (each start is paired with the nearest "
                "end). Fix the example, or pass on_conflict='skip' to leave such examples out.")
        out.append(item)
    return out, counts


def relation_batches(encoded: list[EncodedRelationExample], num_predicates: int, pad_id: int,
                     batch_size: int, shuffle: bool, seed: int) -> PointerBatches:
    """Length-grouped batches ``(inputs with subject_span, float32 (B, T, 2 + 2P + 1)
    targets)``; the last target channel is the padding mask (see `RelationLoss`)."""
    n_channels = 2 + 2 * num_predicates

    def make_batch(indices: np.ndarray, epoch: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        rows = [encoded[i] for i in indices]
        ids = pad_rows([r.ids for r in rows], pad_id)
        targets = np.zeros((len(rows), ids.shape[1], n_channels + 1), np.float32)
        spans = np.zeros((len(rows), 2), np.int32)
        for b, (i, row) in enumerate(zip(indices, rows)):
            targets[b, :len(row.ids), -1] = 1.0
            for s, e in row.subjects:
                targets[b, s, 0] = targets[b, e, 1] = 1.0
            if row.subjects:
                rng = np.random.default_rng([seed, epoch, int(i)])
                chosen = row.subjects[int(rng.integers(len(row.subjects)))]
                spans[b] = chosen
                for p, s, e in row.objects[chosen]:
                    targets[b, s, 2 + 2 * p] = targets[b, e, 3 + 2 * p] = 1.0
        inputs = {"token_ids": ids, "segment_ids": pad_rows([r.segment_ids for r in rows]),
                  "padding_mask": pad_rows([[1] * len(r.ids) for r in rows]),
                  "subject_span": spans}
        return inputs, targets

    return PointerBatches([len(e.ids) for e in encoded], make_batch, batch_size=batch_size,
                          shuffle=shuffle, seed=seed)
