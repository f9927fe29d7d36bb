"""Checks that a checkpoint's vocabulary file fits its config."""

from __future__ import annotations

import json
import os

from bertkit.backbone.config import BertConfig
from bertkit.errors import CheckpointError


def vocab_file_size(directory: str) -> tuple[str, int] | None:
    """(file, number of tokens) of the vocabulary in ``directory``, or None if it has none."""
    vocab_txt = os.path.join(directory, "vocab.txt")
    if os.path.isfile(vocab_txt):
        with open(vocab_txt, encoding="utf-8") as f:
            return vocab_txt, sum(1 for line in f if line.rstrip("\r\n"))
    tokenizer_json = os.path.join(directory, "tokenizer.json")
    if os.path.isfile(tokenizer_json):
        with open(tokenizer_json, encoding="utf-8") as f:
            data = json.load(f)
        vocab = data.get("model", {}).get("vocab")
        if vocab is None:
            return None
        ids = set(vocab.values()) if isinstance(vocab, dict) else set(range(len(vocab)))
        ids |= {t["id"] for t in data.get("added_tokens", [])}
        return tokenizer_json, len(ids)
    return None


def check_vocab_size(directory: str, config: BertConfig) -> None:
    """Raise if the vocabulary in ``directory`` has more tokens than the embedding has rows.

    A vocabulary *smaller* than the embedding is allowed (some releases pad the embedding to a
    multiple of 8); a larger one means token ids would index past the embedding table.
    """
    found = vocab_file_size(directory)
    if found is None:
        return
    path, size = found
    if size != config.vocab_size:
        if size < config.vocab_size and config.vocab_size - size < 128:
            return
        raise CheckpointError(
            f"{path}: the vocabulary has {size} tokens but the config says vocab_size="
            f"{config.vocab_size}. The vocabulary and the weights come from different models; "
            "put the vocabulary that was released with these weights next to them.")
