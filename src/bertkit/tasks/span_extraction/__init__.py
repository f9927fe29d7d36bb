"""Span extraction (reading comprehension, event subjects): the answer to a query, as an exact
substring of the text, or "no answer" — the kexue.fm "Bert meets Keras" pointer examples.

- `model`: `SpanExtractor` (start/end pointers masked to the text; `SpanLoss`)
- `data`: `encode_span_examples`, `span_batches` (examples: `bertkit.data.extraction`)
- `learner`: `SpanLearner`; `predictor`: `SpanPredictor`; `metrics`: exact match, char F1,
  `SpanReport`
- `cli`: ``bertkit train-span``; ``predict --query`` / ``evaluate`` on a span predictor
"""

from bertkit.tasks.span_extraction.data import encode_span_examples, span_batches
from bertkit.tasks.span_extraction.learner import SpanLearner
from bertkit.tasks.span_extraction.metrics import SpanReport, char_f1, exact_match, span_scores
from bertkit.tasks.span_extraction.model import MaskPositions, SpanExtractor, SpanLoss
from bertkit.tasks.span_extraction.predictor import SpanPredictor

PREDICTOR = SpanPredictor

__all__ = ["MaskPositions", "PREDICTOR", "SpanExtractor", "SpanLearner", "SpanLoss",
           "SpanPredictor", "SpanReport", "char_f1", "encode_span_examples", "exact_match",
           "span_batches", "span_scores"]
