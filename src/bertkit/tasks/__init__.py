"""Task models: heads on a shared `BertBackbone`."""

from bertkit.tasks.classifier import TASK_TYPES, TextClassifier
from bertkit.tasks.aggregator import AGGREGATORS, ChunkAggregator
from bertkit.tasks.chunking import DocumentChunker
from bertkit.tasks.document import DocumentPredictor  # registers "document_classification"
from bertkit.tasks.hierarchy import Hierarchy
from bertkit.tasks.multi_head import MultiHeadClassifier
from bertkit.tasks.regression import TextRegressor  # noqa: E402  (registers its predictor)
from bertkit.tasks.relation_extraction import RelationExtractor
from bertkit.tasks.span_extraction import SpanExtractor
from bertkit.tasks.tagging import TokenTagger  # noqa: E402  (registers the tagging predictor)

__all__ = ["TASK_TYPES", "TextClassifier", "TextRegressor", "Hierarchy", "MultiHeadClassifier",
           "TokenTagger", "SpanExtractor", "RelationExtractor", "AGGREGATORS",
           "ChunkAggregator", "DocumentChunker", "DocumentPredictor"]

# The predictors of these tasks register their loaders with `bertkit.load_predictor`.
import bertkit.prediction.multi_head  # noqa: E402,F401
import bertkit.prediction.span_predictor  # noqa: E402,F401
import bertkit.prediction.relation_predictor  # noqa: E402,F401
