"""Sequence labelling (NER): BIO/BMES schemes, a CRF layer, a token tagger, its learner and
predictor, entity-level metrics and readers for char-tag and JSON-lines data.

>>> from bertkit.tasks.tagging import TaggingLearner, read_char_tags     # doctest: +SKIP
>>> train = read_char_tags("msra_train.txt", strict=False)              # doctest: +SKIP
>>> learner = TaggingLearner.for_tagging(MODEL, train, head="crf", scheme="BMES",
...                                      tokenizer_mode="char")         # doctest: +SKIP
"""

from bertkit.tasks.tagging.crf import CRF
from bertkit.tasks.tagging.learner import TaggingLearner
from bertkit.tasks.tagging.data import (TaggedExamples, load_tagged, read_char_tags,
                                        read_entities_jsonl)
from bertkit.tasks.tagging.metrics import EntityReport, entity_report
from bertkit.tasks.tagging.model import TokenTagger
from bertkit.tasks.tagging.predictor import TaggingPredictor
from bertkit.tasks.tagging.schemes import SCHEMES, Span, TagScheme

__all__ = ["CRF", "PREDICTOR", "EntityReport", "SCHEMES", "Span", "TagScheme", "TaggedExamples",
           "TaggingLearner", "TaggingPredictor", "TokenTagger", "entity_report", "load_tagged",
           "read_char_tags", "read_entities_jsonl"]


PREDICTOR = TaggingPredictor
