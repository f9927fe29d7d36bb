"""Several classification heads on one shared encoder (multi-output, hierarchical labels).

- `model`: `MultiHeadClassifier`, its masked loss and accuracy (rows missing a head's label
  are skipped for that head)
- `hierarchy`: `Hierarchy` (a child head never contradicts its parent)
- `data`: `MultiHeadBatches`, `encode_targets`
- `learner`: `MultiHeadLearner`; `predictor`: `MultiHeadPredictor`; `metrics`: `MultiHeadReport`
- `cli`: ``bertkit train --label-columns``; ``predict`` / ``evaluate`` on a multi-head predictor
"""

from bertkit.tasks.multi_head.data import MultiHeadBatches, encode_targets
from bertkit.tasks.multi_head.hierarchy import Hierarchy
from bertkit.tasks.multi_head.learner import MultiHeadLearner
from bertkit.tasks.multi_head.metrics import MultiHeadReport
from bertkit.tasks.multi_head.model import (MISSING, MaskedAccuracy, MaskedHeadLoss,
                                            MultiHeadClassifier)
from bertkit.tasks.multi_head.predictor import MultiHeadPredictor

PREDICTOR = MultiHeadPredictor

__all__ = ["Hierarchy", "MISSING", "MaskedAccuracy", "MaskedHeadLoss", "MultiHeadBatches",
           "MultiHeadClassifier", "MultiHeadLearner", "MultiHeadPredictor", "MultiHeadReport",
           "PREDICTOR", "encode_targets"]
