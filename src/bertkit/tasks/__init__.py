"""Task models: heads on a shared `BertBackbone`."""

from bertkit.tasks.classifier import TASK_TYPES, TextClassifier
from bertkit.tasks.aggregator import AGGREGATORS, ChunkAggregator
from bertkit.tasks.chunking import DocumentChunker
from bertkit.tasks.document import DocumentPredictor  # registers "document_classification"

__all__ = ["AGGREGATORS", "ChunkAggregator", "DocumentChunker", "DocumentPredictor",
           "TASK_TYPES", "TextClassifier"]
