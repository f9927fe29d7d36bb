"""Encoders and what tasks build on them.

- `BertBackbone` / `BertConfig`: the BERT encoder (layers in ``layers.py``).
- `interface`: the backbone interface tasks use (`Encoder`, `encoder_inputs`,
  `head_initializer`, `build_encoder` for a saved family and config).
- `pooling`: one vector per text from an encoder's outputs.
- `task_model`: `TaskModel`, the base of every task model.
"""

from bertkit.backbone.backbone import BertBackbone
from bertkit.backbone.config import BertConfig
from bertkit.backbone.interface import Encoder, build_encoder
from bertkit.backbone.task_model import TaskModel

__all__ = ["BertBackbone", "BertConfig", "Encoder", "TaskModel", "build_encoder"]
