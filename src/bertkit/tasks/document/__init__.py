"""Documents longer than the encoder's ``max_len``: chunk + aggregate, or truncation baselines.

- `data`: `DocumentChunker` (chunks of ``max_len`` tokens with overlap, optionally on sentence
  boundaries; head / head+tail truncation)
- `model`: `ChunkAggregator` (mean, max, attention or LSTM over a document's chunk vectors;
  `AGGREGATORS`, `pack_chunks`)
- `learner`: `DocumentClassifier` (stage 1 fine-tunes the encoder on chunks, stage 2 the
  aggregator); `predictor`: `DocumentPredictor`
- `cli`: ``bertkit train --long-documents``
"""

from bertkit.tasks.document.data import DocumentChunker
from bertkit.tasks.document.learner import DocumentClassifier
from bertkit.tasks.document.model import AGGREGATORS, ChunkAggregator, pack_chunks
from bertkit.tasks.document.predictor import DocumentPredictor

PREDICTOR = DocumentPredictor

__all__ = ["AGGREGATORS", "ChunkAggregator", "DocumentChunker", "DocumentClassifier",
           "DocumentPredictor", "PREDICTOR", "pack_chunks"]
