"""Batches for the multi-head task (moved here from bertkit.data after the readers' split)."""

from bertkit.data.multi_head import MISSING, MultiHeadBatches, encode_targets

__all__ = ["MISSING", "MultiHeadBatches", "encode_targets"]
