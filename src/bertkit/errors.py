"""Every exception bertkit raises on purpose.

Each error says what was wrong (naming the file, line, variable or argument) and, where there is
one, how to fix it. They subclass the built-in exception a caller would expect (``ValueError``
for bad content, ``FileNotFoundError`` for missing files, ``TypeError`` for a wrong kind of
input, ``KeyError`` for an absent name), so generic handlers keep working; catch
`BertkitError` to catch them all.

>>> try:
...     raise DataError("reviews.csv line 17: the text is empty; fill it in or pass "
...                     "on_bad_rows='skip'.")
... except ValueError as err:
...     print(type(err).__name__, isinstance(err, BertkitError))
DataError True
"""

from __future__ import annotations


class BertkitError(Exception):
    """Base class of every error bertkit raises on purpose."""


# ---- models and checkpoints -------------------------------------------------------------------


class ConfigError(BertkitError, ValueError):
    """A model config or an argument holds a value bertkit cannot build (a missing field, an
    unknown head, an impossible size)."""


class CheckpointError(BertkitError, ValueError):
    """A weights file or saved directory is malformed, truncated, corrupted or does not fit the
    model config."""


class CheckpointNotFoundError(BertkitError, FileNotFoundError):
    """A file a checkpoint or saved directory needs is missing."""


class VariableNotFoundError(BertkitError, KeyError):
    """A checkpoint was asked for a variable name it does not hold."""

    def __str__(self) -> str:  # KeyError would repr() the message and show it in quotes
        return str(self.args[0]) if self.args else ""


# ---- text ---------------------------------------------------------------------------------------


class TokenizerError(BertkitError, ValueError):
    """A vocabulary or tokenizer file is missing or malformed, or an input cannot be encoded."""


class DataError(BertkitError, ValueError):
    """Training or evaluation data is malformed: a bad row, a missing column, an unknown label.

    Messages about files name the file and the line (``"reviews.csv line 17: the text is
    empty; ..."``) and say how to fix the problem.
    """


class DataNotFoundError(DataError, FileNotFoundError):
    """A data file or folder does not exist."""


# ---- training and prediction ------------------------------------------------------------------


class TrainingError(BertkitError, ValueError):
    """A learner cannot do what was asked: no validation data, labels that do not fit the model,
    a checkpoint directory that holds another run."""


class PredictorError(BertkitError, ValueError):
    """A predictor cannot do what was asked with these inputs (mismatched lengths, a task that
    takes another input shape)."""


class PredictorInputError(PredictorError, TypeError):
    """An input to ``predict`` / ``evaluate`` is of the wrong kind (a string where a list of
    texts is expected, ``None`` where a text is expected)."""


class TrainingInterrupted(KeyboardInterrupt):
    """Training was stopped by a signal (SIGINT or SIGTERM, as schedulers and ``kill`` send);
    the training state was saved when a checkpoint directory was given. Like Ctrl-C, it is not
    an ``Exception``, so generic handlers let it through. ``signal_number`` says which signal."""

    def __init__(self, signal_number: int, message: str = "") -> None:
        super().__init__(message or f"training interrupted by signal {signal_number}")
        self.signal_number = signal_number


# ---- warnings -----------------------------------------------------------------------------------


class FontWarning(UserWarning):
    """A plot has characters that no font found on this machine can draw (Chinese labels
    without a CJK font): they show as empty boxes. The message says which font to install."""
