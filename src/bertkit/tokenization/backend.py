"""What a tokenizer backend provides: the contract behind :class:`~bertkit.tokenization.Tokenizer`.

:class:`~bertkit.tokenization.Tokenizer` checks its arguments and hands everything that depends
on the mode to one backend object, chosen once when the tokenizer is built:

* ``"wordpiece"``: :class:`~bertkit.tokenization.wordpiece.WordPieceBackend`;
* ``"char"``: :class:`~bertkit.tokenization.char.CharBackend`;
* ``"tokenizer_json"``: :class:`~bertkit.tokenization.tokenizer_json.TokenizerJsonBackend`.

The first two share :class:`~bertkit.tokenization.vocab_backend.VocabBackend` (a ``vocab.txt``,
batches assembled from flat token streams).

>>> tok._backend.mode, tok._backend.min_len, tok._backend.specials["cls"]
('wordpiece', (2, 3), 3)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from bertkit.tokenization.encoding import BatchEncoding, Encoding

MODES = ("wordpiece", "char", "tokenizer_json")


class Backend(ABC):
    """One way of turning text into token ids; :class:`Tokenizer` delegates to exactly one.

    The front class has already checked every argument a backend method receives: texts are
    ``str``, ``max_len`` is ``None`` or an ``int`` of at least ``min_len``, token ids are in
    range.

    Attributes:
        mode: ``"wordpiece"``, ``"char"`` or ``"tokenizer_json"`` (one per subclass).
        lowercase: whether text is lowercased before lookup.
        strip_accents_option: the ``strip_accents`` the tokenizer was built with (``None``:
            BERT's default, follow ``lowercase``), as ``get_config`` and ``save`` record it.
        specials: ids of the special tokens ``"cls"``, ``"sep"``, ``"pad"`` (never ``None``),
            ``"unk"`` and ``"mask"`` (``None`` when the vocabulary has none).
        source: the file the vocabulary was read from, for messages.
        min_len: the fewest positions a single text and a pair need for their special tokens.
    """

    mode: ClassVar[str]

    def __init__(
        self,
        *,
        lowercase: bool,
        strip_accents_option: bool | None,
        specials: dict[str, int | None],
        source: str,
        min_len: tuple[int, int],
    ) -> None:
        self.lowercase = lowercase
        self.strip_accents_option = strip_accents_option
        self.specials = specials
        self.source = source
        self.min_len = min_len

    @property
    def cls_id(self) -> int:
        """Id of the classification token, first in every row."""
        return self.specials["cls"]  # type: ignore[return-value]

    @property
    def sep_id(self) -> int:
        """Id of the separator, after each text."""
        return self.specials["sep"]  # type: ignore[return-value]

    @property
    def pad_id(self) -> int:
        """Id batches are padded with."""
        return self.specials["pad"]  # type: ignore[return-value]

    @property
    def strip_accents(self) -> bool:
        """Whether accents are stripped (only the wordpiece backend may)."""
        return False

    @property
    @abstractmethod
    def vocab_size(self) -> int:
        """Number of token ids."""

    @abstractmethod
    def token_to_id(self, token: str) -> int | None:
        """Id of ``token``, or ``None`` when it is not in the vocabulary."""

    @abstractmethod
    def id_to_token(self, index: int) -> str:
        """The token of ``index``, an id in ``[0, vocab_size)``."""

    @abstractmethod
    def encode(self, first: str, second: str | None, max_len: int | None) -> Encoding:
        """``[CLS] first [SEP] (second [SEP])``, cut to ``max_len`` tokens longest text first."""

    @abstractmethod
    def encode_batch(
        self, firsts: list[str], seconds: list[str] | None, max_len: int | None
    ) -> BatchEncoding:
        """Every text (or pair) encoded as :meth:`encode` does, padded to the longest row."""

    @abstractmethod
    def decode(self, ids: list[int]) -> str:
        """Text from ids (special tokens to drop are already dropped)."""

    @abstractmethod
    def save_files(self, directory: Path) -> dict[str, str]:
        """Write the vocabulary file(s) into ``directory``; ``{file name: path}``."""

    def hf_config(self, config: dict[str, Any]) -> None:
        """Set, in ``config`` (``tokenizer_config.json``), the keys transformers reads."""
