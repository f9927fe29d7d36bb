"""Relation extraction: (subject, predicate, object) triples with the kexue.fm pointer scheme
(subject pointers, then subject-conditioned object pointers per predicate).

- `model`: `RelationExtractor`, `RelationLoss`, `SubjectConditioning`
- `data`: `encode_relation_examples`, `relation_batches` (examples: `bertkit.data.extraction`)
- `learner`: `RelationLearner`; `predictor`: `RelationPredictor` (`decode_subjects`,
  `decode_objects`); `metrics`: `triple_scores`, `RelationReport`
- `cli`: ``bertkit train-relation``; ``predict`` / ``evaluate`` on a relation predictor
"""

from bertkit.tasks.relation_extraction.data import encode_relation_examples, relation_batches
from bertkit.tasks.relation_extraction.learner import RelationLearner
from bertkit.tasks.relation_extraction.metrics import RelationReport, triple_scores
from bertkit.tasks.relation_extraction.model import (RelationExtractor, RelationLoss,
                                                     SubjectConditioning)
from bertkit.tasks.relation_extraction.predictor import (RelationPredictor, decode_objects,
                                                         decode_subjects)

PREDICTOR = RelationPredictor

__all__ = ["PREDICTOR", "RelationExtractor", "RelationLearner", "RelationLoss",
           "RelationPredictor", "RelationReport", "SubjectConditioning", "decode_objects",
           "decode_subjects", "encode_relation_examples", "relation_batches", "triple_scores"]
