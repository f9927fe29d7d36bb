"""Exceptions raised by bertkit.

Every error says what was wrong (naming the file, variable or argument) and, where there is one,
how to fix it. They subclass the built-in exception a caller would expect (``ValueError`` for bad
content, ``FileNotFoundError`` for missing files), so generic handlers keep working.
"""

from __future__ import annotations


class BertkitError(Exception):
    """Base class of every error bertkit raises on purpose."""


class CheckpointError(BertkitError, ValueError):
    """A weights file is malformed, truncated, corrupted or does not fit the model config."""


class CheckpointNotFoundError(BertkitError, FileNotFoundError):
    """A file a checkpoint needs is missing."""


class ConfigError(BertkitError, ValueError):
    """A model config is missing a field or holds a value bertkit cannot build."""


class TokenizerError(BertkitError, ValueError):
    """A vocabulary or tokenizer file is missing or malformed, or an input cannot be encoded."""
