"""The data layer: load, validate, split, stream and batch texts and their labels.

* :func:`load_examples` reads a class folder, CSV/TSV/JSON-lines file, DataFrame or lists into
  :class:`TextExamples` (bad rows raise :class:`DataError` naming the file and line, or are
  skipped with ``on_bad_rows="skip"``); :meth:`TextExamples.split` makes a stratified, seeded
  validation split.
* :class:`LabelMap` turns label names into class ids (or multi-hot rows) and back.
* :class:`StreamingExamples` reads a file larger than memory row by row; :func:`build_dataset`
  turns a huge class-folder tree (THUCNews) into seeded train/dev/test files to stream.
* :class:`TextBatches` / :class:`StreamingBatches` give length-bucketed batches to ``model.fit``.

Example (``tokenizer`` a :class:`bertkit.Tokenizer`, ``model`` a Keras classifier):

>>> examples = load_examples("reviews.csv")                               # doctest: +SKIP
>>> train, valid = examples.split(valid_fraction=0.1, seed=0)             # doctest: +SKIP
>>> label_map = LabelMap.from_labels(examples.labels)                     # doctest: +SKIP
>>> model.fit(TextBatches(train, tokenizer, label_map),                   # doctest: +SKIP
...           validation_data=TextBatches(valid, tokenizer, label_map, shuffle=False))
"""

from bertkit.data.batching import TextBatches, token_lengths
from bertkit.data.examples import DataError, DataNotFoundError, TextExamples
from bertkit.data.label_map import LabelMap
from bertkit.data.sources import FORMATS, detect_format, load_examples, load_folder
from bertkit.data.streaming import StreamingExamples
from bertkit.data.streaming_batches import StreamingBatches
from bertkit.data.multi_head import MultiHeadExamples, load_multi_head_examples
from bertkit.data.build import DatasetSummary, build_dataset

__all__ = [
    "DataError", "DataNotFoundError", "DatasetSummary", "build_dataset", "FORMATS", "LabelMap",
    "StreamingBatches", "StreamingExamples", "TextBatches", "TextExamples", "detect_format",
    "load_examples", "load_folder", "token_lengths", "MultiHeadExamples",
    "load_multi_head_examples",
]
