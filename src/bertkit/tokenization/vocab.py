"""BERT vocabulary files (``vocab.txt``) and the names special tokens go by."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from bertkit.errors import TokenizerError
from bertkit.tokenization.checkpoint import VOCAB_FILE

# Names a vocabulary may use for each special token, BERT style first.
_SPECIAL_NAMES: dict[str, tuple[str, ...]] = {
    "cls": ("[CLS]", "<s>", "<cls>"),
    "sep": ("[SEP]", "</s>", "<sep>"),
    "pad": ("[PAD]", "<pad>"),
    "unk": ("[UNK]", "<unk>"),
    "mask": ("[MASK]", "<mask>"),
}


def load_vocab(path: str | Path) -> dict[str, int]:
    """Read a BERT ``vocab.txt`` (one token per line, id = line number) into ``{token: id}``.

    Only ``\\n`` (and ``\\r\\n``) end a line: tokens such as U+2028 stay tokens. Raises
    :class:`~bertkit.errors.TokenizerError` naming the file when it is missing, not UTF-8, empty,
    has blank lines or duplicate tokens, or lacks ``[UNK]``.

    >>> vocab = load_vocab(os.path.join(folder, "vocab.txt"))
    >>> len(vocab), vocab["[CLS]"], vocab["hello"]
    (12, 3, 6)
    """
    path = Path(path)
    if not path.exists():
        raise TokenizerError(
            f"vocabulary file {path} does not exist; pass the vocab.txt that came with the "
            f"checkpoint (one token per line)"
        )
    if path.is_dir():
        raise TokenizerError(
            f"{path} is a directory, not a vocabulary file; pass {path / VOCAB_FILE} or use "
            f"Tokenizer.from_directory({str(path)!r})"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TokenizerError(
            f"vocabulary file {path} is not UTF-8 text ({exc}); re-save it as UTF-8"
        ) from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise TokenizerError(
            f"vocabulary file {path} is empty; it must list one token per line ([PAD], [UNK], ...)"
        )
    vocab: dict[str, int] = {}
    for i, line in enumerate(lines):
        token = line[:-1] if line.endswith("\r") else line
        if token == "":
            raise TokenizerError(
                f"vocabulary file {path} has a blank line at line {i + 1}; a blank line would "
                f"shift every later id: remove it or restore the token that belongs there"
            )
        if token in vocab:
            raise TokenizerError(
                f"vocabulary file {path} lists token {token!r} twice (lines {vocab[token] + 1} "
                f"and {i + 1}); each token must appear once, or ids are ambiguous"
            )
        vocab[token] = i
    if "[UNK]" not in vocab:
        raise TokenizerError(
            f"vocabulary file {path} has no [UNK] token; a BERT vocab.txt needs [UNK] (and "
            f"[CLS], [SEP], [PAD]). For a SentencePiece model use its tokenizer.json with "
            f"Tokenizer.from_file"
        )
    return vocab


def _require_specials(vocab: dict[str, int], path: Path, names: Iterable[str]) -> None:
    """Raise a :class:`~bertkit.errors.TokenizerError` naming the tokens of ``names`` missing."""
    missing = [name for name in names if name not in vocab]
    if missing:
        raise TokenizerError(
            f"vocabulary file {path} lacks {', '.join(missing)}; a BERT vocab.txt defines "
            f"[PAD], [UNK], [CLS], [SEP] and [MASK]"
        )
