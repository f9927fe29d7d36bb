"""bertkit: fine-tune BERT-family encoders with Keras 3 in a few lines.

Importing bertkit selects the Keras **torch** backend unless ``KERAS_BACKEND`` is already set
(set ``KERAS_BACKEND=jax`` before importing to use JAX).

Example:
>>> import bertkit                                              # doctest: +SKIP
>>> backbone = bertkit.load_backbone("all-MiniLM-L6-v2")        # doctest: +SKIP
>>> tokenizer = bertkit.load_tokenizer("all-MiniLM-L6-v2")      # doctest: +SKIP
>>> batch = tokenizer.encode_batch(["Hello world"])             # doctest: +SKIP
>>> outputs = backbone(batch.model_inputs())                    # doctest: +SKIP

Fine-tuning a classifier in three lines:
>>> train, valid = bertkit.load_examples("reviews.csv").split(0.1)          # doctest: +SKIP
>>> learner = bertkit.Learner.for_classification("all-MiniLM-L6-v2", train, valid)  # doctest: +SKIP
>>> learner.fit(5e-5, epochs=2); learner.get_predictor().save("out")        # doctest: +SKIP
"""

from bertkit._backend import choose_backend

choose_backend()

from bertkit._version import __version__  # noqa: E402

from bertkit.backbone.backbone import BertBackbone  # noqa: E402
from bertkit.backbone.config import BertConfig  # noqa: E402
from bertkit.errors import (  # noqa: E402
    BertkitError, CheckpointError, CheckpointNotFoundError, ConfigError, TokenizerError)
from bertkit.pretrained import detect_format, load_backbone, load_tokenizer, save_backbone  # noqa: E402
from bertkit.tokenization import Tokenizer  # noqa: E402
from bertkit.data import (  # noqa: E402
    LabelMap, MultiHeadExamples, StreamingExamples, TextExamples, build_dataset, load_examples)
from bertkit.data.extraction import load_relation_examples, load_span_examples  # noqa: E402
from bertkit.prediction import load_predictor  # noqa: E402
from bertkit.tasks.classification import Learner, Predictor, TextClassifier  # noqa: E402
from bertkit.tasks.document import DocumentClassifier  # noqa: E402
from bertkit.tasks.multi_head import (  # noqa: E402
    MultiHeadClassifier, MultiHeadLearner, MultiHeadPredictor)
from bertkit.tasks.regression import (  # noqa: E402
    RegressionLearner, RegressionPredictor, TextRegressor)
from bertkit.tasks.relation_extraction import RelationExtractor, RelationLearner  # noqa: E402
from bertkit.tasks.span_extraction import SpanExtractor, SpanLearner  # noqa: E402
from bertkit.tasks.tagging import (  # noqa: E402
    TaggedExamples, TaggingLearner, TaggingPredictor, TokenTagger)
from bertkit import presets  # noqa: E402,F401  (bertkit.presets.resolve_model_path)
from bertkit.weights.huggingface import export_huggingface  # noqa: E402
from bertkit.weights.tf_checkpoint import TFCheckpointReader, read_tf_checkpoint  # noqa: E402

__all__ = [
    "BertBackbone", "BertConfig", "Tokenizer", "TFCheckpointReader",
    "TextExamples", "StreamingExamples", "LabelMap", "load_examples", "build_dataset",
    "TextClassifier", "Learner", "DocumentClassifier", "Predictor", "load_predictor",
    "TokenTagger", "TaggingLearner", "TaggingPredictor", "TaggedExamples",
    "TextRegressor", "RegressionLearner", "RegressionPredictor",
    "SpanExtractor", "SpanLearner", "load_span_examples",
    "RelationExtractor", "RelationLearner", "load_relation_examples",
    "MultiHeadExamples", "MultiHeadClassifier", "MultiHeadLearner", "MultiHeadPredictor",
    "load_backbone", "load_tokenizer", "save_backbone", "export_huggingface", "detect_format",
    "read_tf_checkpoint",
    "BertkitError", "CheckpointError", "CheckpointNotFoundError", "ConfigError", "TokenizerError",
]
