"""`TaggingBatches`: encoded texts with per-token tag ids, length-grouped, for ``model.fit``."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from bertkit.tasks.tagging.data import (TaggedExamples, char_spans_to_token_spans,
                                        labelled_positions, token_tag_ids)
from bertkit.tasks.tagging.schemes import TagScheme

_ENCODE_CHUNK = 2048


class CharSplitter:
    """One token per non-space character, for any vocabulary (WordPiece or SentencePiece).

    Each character is tokenized on its own (so the tokenizer's normalisation applies: full-width
    ``！`` -> ``!``) and its piece looked up without a word-start marker (``▁北`` -> ``北``)
    where the vocabulary has one. Whitespace gets no token. This is keras-bert's character
    recipe for models whose tokenizer merges characters (e5/XLM-R pieces like ``建设``), so
    that entity boundaries always fall between tokens.
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self._ids: dict[str, int | None] = {}

    def char_id(self, char: str) -> int | None:
        if char not in self._ids:
            if char.isspace():
                self._ids[char] = None
            else:
                pieces = [p for p in self.tokenizer.tokenize(char) if p not in ("▁", "")]
                best = None
                if pieces:
                    bare = pieces[-1].lstrip("▁")
                    best = self.tokenizer.token_to_id(bare)
                    if best is None:
                        best = self.tokenizer.token_to_id(pieces[-1])
                if best is None:
                    best = self.tokenizer.unk_id
                self._ids[char] = best
        return self._ids[char]

    def encode(self, text: str, max_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ids, offsets = [self.tokenizer.cls_id], [(0, 0)]
        for i, char in enumerate(text):
            if len(ids) >= max_len - 1:
                break
            token = self.char_id(char)
            if token is not None:
                ids.append(token)
                offsets.append((i, i + 1))
        ids.append(self.tokenizer.sep_id)
        offsets.append((0, 0))
        offsets_arr = np.array(offsets, np.int64)
        labelled = offsets_arr[:, 1] > offsets_arr[:, 0]
        return np.array(ids, np.int32), offsets_arr, labelled

    def vocabulary(self, texts: list[str]) -> set[int]:
        """The token ids ``texts`` use in this mode (to keep when pruning a vocabulary)."""
        return {i for text in texts for c in set(text) for i in [self.char_id(c)]
                if i is not None}


def encode_texts(tokenizer: Any, texts: list[str], max_len: int, split_chars: bool = False
                 ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per text: ``(token_ids, offsets (T, 2), labelled (T,))``, unpadded.

    ``split_chars``: one token per character (`CharSplitter`) instead of the tokenizer's pieces.
    """
    if split_chars:
        splitter = CharSplitter(tokenizer)
        return [splitter.encode(text, max_len) for text in texts]
    rows = []
    for start in range(0, len(texts), _ENCODE_CHUNK):
        batch = tokenizer.encode_batch(texts[start:start + _ENCODE_CHUNK], max_len=max_len)
        for i, n in enumerate(batch.lengths.tolist()):
            offsets = batch.offsets[i, :n].astype(np.int64)
            mask = batch.padding_mask[i, :n].astype(bool)
            rows.append((batch.token_ids[i, :n].copy(), offsets,
                         labelled_positions(offsets, mask)))
    return rows


class TaggingBatches(keras.utils.PyDataset):
    """``(inputs, tag_ids)`` batches; tag ids ``int32 (B, T)``, ``-1`` where no tag applies.

    Texts are tokenized once. With ``shuffle=True`` each epoch (``set_epoch``) shuffles the
    examples (seeded by ``seed`` and the epoch), sorts windows of 50 batches by length and
    shuffles the batches, so batches hold similar lengths and little padding.

    ``dropped_entities``: gold entities lost to truncation at ``max_len`` or sharing a token
    with another entity.
    """

    def __init__(self, examples: TaggedExamples, tokenizer: Any, scheme: TagScheme, *,
                 batch_size: int = 32, max_len: int = 128, shuffle: bool = True,
                 seed: int = 0, pad_id: int | None = None, split_chars: bool = False) -> None:
        super().__init__()
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.pad_id = tokenizer.pad_id if pad_id is None else pad_id
        self.rows = encode_texts(tokenizer, examples.texts, max_len, split_chars)
        self.tags = []
        self.dropped_entities = 0
        for i, (_, offsets, labelled) in enumerate(self.rows):
            spans, dropped = char_spans_to_token_spans(examples.entities[i], offsets, labelled)
            self.dropped_entities += dropped
            self.tags.append(token_tag_ids(scheme, spans, labelled))
        self.lengths = np.array([len(r[0]) for r in self.rows])
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        n = len(self.rows)
        if not self.shuffle:
            order = np.argsort(-self.lengths, kind="stable")
            self._batches = [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]
            return
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(n)
        window = self.batch_size * 50
        batches = []
        for w in range(0, n, window):
            chunk = order[w:w + window]
            chunk = chunk[np.argsort(-self.lengths[chunk], kind="stable")]
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk),
                                                                    self.batch_size)]
        self._batches = [batches[i] for i in rng.permutation(len(batches))]

    def __len__(self) -> int:
        return len(self._batches)

    def batch_indices(self, index: int) -> np.ndarray:
        return self._batches[index]

    def __getitem__(self, index: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        idx = self._batches[index]
        width = int(self.lengths[idx].max())
        token_ids = np.full((len(idx), width), self.pad_id, np.int32)
        padding = np.zeros((len(idx), width), np.int32)
        tags = np.full((len(idx), width), -1, np.int32)
        for row, i in enumerate(idx):
            n = self.lengths[i]
            token_ids[row, :n] = self.rows[i][0]
            padding[row, :n] = 1
            tags[row, :n] = self.tags[i]
        inputs = {"token_ids": token_ids, "segment_ids": np.zeros_like(token_ids),
                  "padding_mask": padding}
        return inputs, tags

    def on_epoch_end(self) -> None:  # the learner sets epochs explicitly (exact resume)
        pass
