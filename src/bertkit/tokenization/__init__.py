"""Tokenizers for BERT encoders: WordPiece, per-character (Chinese tagging) and tokenizer.json.

See :class:`bertkit.tokenization.Tokenizer`.
"""

from bertkit.tokenization.tokenizer import BatchEncoding, Encoding, Tokenizer, load_vocab

__all__ = ["BatchEncoding", "Encoding", "Tokenizer", "load_vocab"]
