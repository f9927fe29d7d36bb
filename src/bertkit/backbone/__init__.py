"""The BERT encoder: config, layers and the functional `BertBackbone` model."""

from bertkit.backbone.backbone import BertBackbone
from bertkit.backbone.config import BertConfig

__all__ = ["BertBackbone", "BertConfig"]
