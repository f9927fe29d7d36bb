"""`RelationLearner`: fine-tune a `RelationExtractor` on DuIE-format examples.

>>> train, valid = load_relation_examples("duie_train.jsonl").split(0.1)          # doctest: +SKIP
>>> learner = RelationLearner.for_relation_extraction("bert_zh", train, valid)  # doctest: +SKIP
>>> learner.fit(5e-5, epochs=3); learner.validate()    # triple precision/recall/F1 # doctest: +SKIP
>>> learner.get_predictor().save("relation_predictor")                           # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from bertkit.data.examples import DataError
from bertkit.data.extraction import RelationExample, load_relation_examples, predicates_of
from bertkit.data.pointer_batches import PointerBatches, pad_rows
from bertkit.errors import BertkitError
from bertkit.prediction.relation_predictor import RelationPredictor
from bertkit.tasks.pointers import char_span_to_tokens, encode_keeping_first
from bertkit.tasks.relation_extraction import RelationExtractor
from bertkit.training.base import BaseLearner, _FitBatches


@dataclass
class _Encoded:
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
                             ) -> tuple[list[_Encoded], dict[str, int]]:
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
        item = _Encoded(enc.ids, enc.segment_ids)
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


class RelationLearner(BaseLearner):
    """Trains a `RelationExtractor`; scores it with triple precision/recall/F1.

    Each epoch, every text is trained with one of its subjects drawn at random (seeded by
    ``(seed, epoch, example)``), as in the post; the subject pointers learn all subjects.

    Args:
        model, tokenizer: the extractor and its tokenizer.
        train_data, valid_data: what `load_relation_examples` reads (DuIE JSON lines, dicts,
            `RelationExample` objects).
        on_conflict: ``"error"`` or ``"skip"`` for gold spans the scheme cannot express.
    """

    def __init__(self, model: RelationExtractor, tokenizer: Any, train_data: Any,
                 valid_data: Any = None, *, on_conflict: str = "error", batch_size: int = 32,
                 max_len: int = 256, threshold: float = 0.5, **kwargs: Any) -> None:
        super().__init__(model, tokenizer, batch_size=batch_size, max_len=max_len, **kwargs)
        self.on_conflict = on_conflict
        self.threshold = threshold
        self.train_data = load_relation_examples(train_data, model.predicates)
        self.valid_data = (load_relation_examples(valid_data, model.predicates)
                           if valid_data is not None else None)
        if not self.train_data:
            raise BertkitError("the training data holds no examples.")

    @classmethod
    def for_relation_extraction(cls, model_path: str, train_data: Any, valid_data: Any = None,
                                *, predicates: Sequence[str] | None = None,
                                mode: str | None = None, dropout: float = 0.1,
                                dtype: Any = None, **kwargs: Any) -> "RelationLearner":
        """Load a pretrained encoder and tokenizer; ``predicates`` default to the training
        data's (sorted)."""
        from bertkit.pretrained import load_backbone, load_tokenizer

        train = load_relation_examples(train_data)
        predicates = list(predicates) if predicates else predicates_of(train)
        if not predicates:
            raise BertkitError("the training data has no triples, so no predicates; pass "
                               "predicates=[...].")
        tokenizer = load_tokenizer(model_path, **({"mode": mode} if mode else {}))
        model = RelationExtractor(load_backbone(model_path, dtype=dtype), predicates,
                                  dropout=dropout, name="relation_extractor")
        return cls(model, tokenizer, train, valid_data, **kwargs)

    def _batches(self, data: Any, training: bool) -> _FitBatches:
        predicates = self.model.predicates
        encoded, counts = encode_relation_examples(list(data), self.tokenizer, self.max_len,
                                                   predicates, self.on_conflict)
        if training and (counts["triples_truncated"] or counts["conflicts_skipped"]):
            print(f"relation extraction: {counts['triples_truncated']} triples beyond max_len="
                  f"{self.max_len} left out; {counts['conflicts_skipped']} examples with "
                  "inexpressible overlaps left out.")
        if not encoded:
            raise BertkitError("no training example is left (see the counts above).")
        seed, n_channels = self.seed, 2 + 2 * len(predicates)

        def make_batch(indices: np.ndarray, epoch: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
            rows = [encoded[i] for i in indices]
            ids = pad_rows([r.ids for r in rows], self.tokenizer.pad_id)
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

        batches = PointerBatches([len(e.ids) for e in encoded], make_batch,
                                 batch_size=self.batch_size if training else self.eval_batch_size,
                                 shuffle=training, seed=self.seed)
        return _FitBatches(batches)

    def validate(self, data: Any = None, *, print_report: bool = True) -> dict[str, Any]:
        """Triple precision, recall and F1 on ``data`` (default: the validation data)."""
        data = self.valid_data if data is None else load_relation_examples(data)
        if data is None:
            raise BertkitError("no validation data: pass data to validate, or valid_data to "
                               "the learner.")
        report = self.get_predictor().evaluate(data)
        if print_report:
            print(f"triples: precision {report['precision']:.4f}  recall {report['recall']:.4f}"
                  f"  F1 {report['f1']:.4f}  ({report['gold']} gold, {report['predicted']} "
                  "predicted)")
        return report

    def get_predictor(self, batch_size: int | None = None) -> RelationPredictor:
        return RelationPredictor(self.model, self.tokenizer, max_len=self.max_len,
                                 batch_size=batch_size or self.eval_batch_size,
                                 threshold=self.threshold)
