"""Vocabulary pruning: keep only the tokens a corpus uses (bert4keras' ``keep_tokens``).

A multilingual model spends most of its parameters on the token embedding: multilingual-e5-small
has 250,037 rows of 384 floats (96M of its 118M weights). A model fine-tuned on Chinese reviews
uses a few thousand of them. :func:`prune_vocabulary` keeps the rows a corpus needs, renumbers
the tokenizer to match, and writes a new Hugging Face directory:

>>> from bertkit.convert import prune_vocabulary                               # doctest: +SKIP
>>> backbone, tokenizer = prune_vocabulary("e5-small", texts, "e5-small-zh")    # doctest: +SKIP

What is kept, in the original order (so ``<s> <pad> </s> <unk>`` or ``[PAD] ... [CLS] [SEP]``
keep their relative positions): every token id the tokenizer gives for the corpus texts
(special tokens it adds included), the tokenizer's special tokens (``cls``, ``sep``, ``pad``,
``unk``, ``mask``, every added token of a ``tokenizer.json``; ``[unused1]`` in char mode), the
tokens in ``keep``, and, for a Unigram (SentencePiece) model, its lowest-scoring piece (see
below). ``keep_tokens.json`` in the output lists the original id of every new id.

Guarantees and limits:

* **On the corpus nothing changes**: every corpus text gets the same tokens as before (checked
  after pruning: a difference raises `TokenizerError`), and the model's outputs are those of the
  unpruned model, since the kept embedding rows are copied exactly and every other weight too.
* **Other texts may tokenize differently.** A Unigram model whose pieces were dropped segments a
  word into the pieces that remain (``"▁unhappiness"`` may become ``"▁un" "h" "app"...``), or
  ``<unk>`` for a character no kept piece covers. A WordPiece model gives ``[UNK]`` for a word it
  can no longer spell out. Pass the texts of every task (training, evaluation, expected inputs)
  as the corpus, or force tokens with ``keep``.
* Unknown pieces map to the unk token, which is always kept. The Unigram model scores an unknown
  character ``min(piece scores) - 10`` (``tokenizers``' rule); keeping the lowest-scoring piece
  keeps that penalty, and with it the corpus segmentation, exactly as before.
* Supported tokenizers: ``vocab.txt`` (wordpiece and char modes) and ``tokenizer.json`` with a
  Unigram, WordPiece or WordLevel model. BPE is refused: its merges name the tokens in between.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from bertkit.errors import ConfigError, TokenizerError

__all__ = ["prune_vocabulary", "read_corpus"]

KEEP_FILE = "keep_tokens.json"
_BATCH = 512


def read_corpus(path: str | os.PathLike) -> list[str]:
    """The non-empty lines of a UTF-8 text file (one text per line)."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\r\n") for line in f if line.strip()]


def _used_ids(tokenizer: Any, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sorted unique ids the tokenizer gives ``texts`` (no truncation), and each text's ids."""
    rows: list[np.ndarray] = []
    for start in range(0, len(texts), _BATCH):
        batch = tokenizer.encode_batch(list(texts[start:start + _BATCH]), max_len=None)
        for ids, n in zip(batch.token_ids, batch.lengths):
            rows.append(np.asarray(ids[: int(n)], dtype=np.int64))
    used = np.unique(np.concatenate(rows)) if rows else np.zeros(0, np.int64)
    return used, rows


def _resolve_keep(tokenizer: Any, keep: Iterable[str | int]) -> list[int]:
    ids = []
    for item in keep:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not 0 <= int(item) < tokenizer.vocab_size:
                raise TokenizerError(f"keep: token id {item} is out of range "
                                     f"[0, {tokenizer.vocab_size}).")
            ids.append(int(item))
        elif isinstance(item, str):
            tid = tokenizer.token_to_id(item)
            if tid is None:
                raise TokenizerError(f"keep: {item!r} is not a token of the vocabulary; pass a "
                                     "token as the tokenizer writes it (e.g. '▁word' or '##s').")
            ids.append(int(tid))
        else:
            raise TokenizerError(f"keep: expected token strings or ids, got {item!r}.")
    return ids


# ---------------------------------------------------------------------------------------------
# tokenizer.json rewriting
# ---------------------------------------------------------------------------------------------


def _remap_processor(proc: dict[str, Any] | None, new_id: dict[int, int]) -> None:
    if not proc:
        return
    kind = proc.get("type")
    if kind == "Sequence":
        for sub in proc.get("processors", []):
            _remap_processor(sub, new_id)
    elif kind == "TemplateProcessing":
        for spec in (proc.get("special_tokens") or {}).values():
            if "ids" in spec:
                spec["ids"] = [new_id[int(i)] for i in spec["ids"]]
    elif kind in ("BertProcessing", "RobertaProcessing"):
        for key in ("sep", "cls"):
            if key in proc:
                token, tid = proc[key]
                proc[key] = [token, new_id[int(tid)]]


def _prune_tokenizer_json(data: dict[str, Any], kept: np.ndarray, new_id: dict[int, int],
                          source: str) -> dict[str, Any]:
    model = data.get("model") or {}
    kind = model.get("type")
    if kind == "Unigram":
        vocab = model["vocab"]
        model["vocab"] = [vocab[i] for i in kept]
        if model.get("unk_id") is not None:
            model["unk_id"] = new_id[int(model["unk_id"])]
    elif kind in ("WordPiece", "WordLevel"):
        inverse = {int(i): tok for tok, i in model["vocab"].items()}
        model["vocab"] = {inverse[int(old)]: new for new, old in enumerate(kept)}
    else:
        raise TokenizerError(f"{source}: cannot prune a {kind!r} tokenizer (bertkit prunes "
                             "Unigram/SentencePiece, WordPiece and WordLevel models; BPE merges "
                             "refer to the tokens that would be removed).")
    for added in data.get("added_tokens") or []:
        added["id"] = new_id[int(added["id"])]
    _remap_processor(data.get("post_processor"), new_id)
    padding = data.get("padding")
    if isinstance(padding, dict) and padding.get("pad_id") is not None:
        padding["pad_id"] = new_id.get(int(padding["pad_id"]), padding["pad_id"])
    return data


def _remap_tokenizer_config(path: Path, new_id: dict[int, int]) -> None:
    """transformers' ``added_tokens_decoder`` in tokenizer_config.json is keyed by token id."""
    if not path.is_file():
        return
    config = json.loads(path.read_text(encoding="utf-8"))
    decoder = config.get("added_tokens_decoder") if isinstance(config, dict) else None
    if not isinstance(decoder, dict):
        return
    config["added_tokens_decoder"] = {str(new_id[int(k)]): v for k, v in decoder.items()
                                      if int(k) in new_id}
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _tokenizer_json_extras(data: dict[str, Any]) -> tuple[list[int], list[int]]:
    """(ids of added tokens, [lowest-scoring Unigram piece]) that pruning must keep."""
    added = [int(t["id"]) for t in data.get("added_tokens") or []]
    model = data.get("model") or {}
    lowest: list[int] = []
    if model.get("type") == "Unigram" and model.get("vocab"):
        scores = np.array([s for _, s in model["vocab"]], dtype=np.float64)
        lowest = [int(np.argmin(scores))]
    return added, lowest


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------


def _pruned_backbone(backbone: Any, kept: np.ndarray, pad_id: int):
    import dataclasses

    import keras

    from bertkit.backbone.backbone import BertBackbone
    from bertkit.weights.assign import backbone_variables

    config = dataclasses.replace(backbone.bert_config, vocab_size=int(len(kept)),
                                 pad_token_id=int(pad_id))
    new = BertBackbone.from_bert_config(config, dtype=backbone.layer_dtype_policy,
                                       for_loading=True)
    old_vars = backbone_variables(backbone)
    for path, variable in backbone_variables(new).items():
        value = keras.ops.convert_to_numpy(old_vars[path])
        if path == "embeddings/word_embeddings/embeddings":
            value = value[kept]
        variable.assign(value)
    return new


def prune_vocabulary(
    model: str | os.PathLike | Any,
    texts: Sequence[str],
    out_dir: str | os.PathLike,
    keep: Iterable[str | int] = (),
    tokenizer: Any = None,
) -> tuple[Any, Any]:
    """Shrink the token embedding to the tokens ``texts`` use; write a Hugging Face directory.

    Args:
        model: a model path or preset name (its tokenizer is loaded from it), or a loaded
            `BertBackbone` (then pass ``tokenizer``).
        texts: the corpus: every text the pruned model must encode exactly as before.
        out_dir: where to write ``config.json``, ``model.safetensors``, the remapped tokenizer
            (``tokenizer.json`` with the pieces' scores for a Unigram model; ``vocab.txt`` for
            WordPiece) and ``keep_tokens.json`` (the original id of each new id).
        keep: more tokens to keep, as token strings (``"▁hello"``, ``"##s"``) or ids.
        tokenizer: the `Tokenizer` of ``model`` when ``model`` is a backbone; overrides the one
            loaded from the path otherwise.

    Returns:
        ``(backbone, tokenizer)``, the pruned pair, as loaded back from ``out_dir``'s tokenizer.
        ``sequence_output`` on the corpus texts equals the unpruned model's.
    """
    from bertkit.backbone.backbone import BertBackbone
    from bertkit.presets import resolve_model_path
    from bertkit.pretrained import load_backbone, load_tokenizer
    from bertkit.tokenization import Tokenizer
    from bertkit.weights.huggingface import export_huggingface

    if isinstance(model, BertBackbone):
        if tokenizer is None:
            raise ConfigError("prune_vocabulary: pass tokenizer=... with a loaded backbone.")
        backbone = model
        source_dir = None
    else:
        backbone = load_backbone(model)
        source_dir = Path(resolve_model_path(model))
        source_dir = source_dir if source_dir.is_dir() else None
        if tokenizer is None:
            tokenizer = load_tokenizer(model)
    if isinstance(texts, str):
        raise TokenizerError("prune_vocabulary: texts must be a list of texts, not one string.")
    texts = list(texts)
    if not texts:
        raise TokenizerError("prune_vocabulary: the corpus is empty; pass the texts to keep.")
    if tokenizer.vocab_size > backbone.vocab_size:
        raise TokenizerError(f"the tokenizer has {tokenizer.vocab_size} tokens but the model only "
                             f"{backbone.vocab_size} embedding rows: not this model's tokenizer.")

    keep_ids = _resolve_keep(tokenizer, keep)
    used, rows = _used_ids(tokenizer, texts)

    with tempfile.TemporaryDirectory() as staging:
        staged = Path(staging)
        if source_dir is not None:  # keep transformers' tokenizer settings (class, specials)
            for name in ("tokenizer_config.json", "special_tokens_map.json"):
                if (source_dir / name).is_file():
                    shutil.copyfile(source_dir / name, staged / name)
        # The tokenizer's own files, as bertkit writes them (keys in tokenizer_config.json kept).
        written = {name: Path(path) for name, path in tokenizer.save(staged).items()}
        data = None
        if "tokenizer.json" in written:
            data = json.loads(written["tokenizer.json"].read_text(encoding="utf-8"))

        forced = [tokenizer.cls_id, tokenizer.sep_id, tokenizer.pad_id, tokenizer.unk_id,
                  tokenizer.mask_id]
        if tokenizer.mode == "char":
            forced.append(tokenizer.token_to_id("[unused1]"))
        if data is not None:
            added, lowest = _tokenizer_json_extras(data)
            forced += added + (lowest if tokenizer.mode == "tokenizer_json" else [])
        kept = np.union1d(used, np.array([i for i in forced + keep_ids if i is not None],
                                         dtype=np.int64))
        new_id = {int(old): new for new, old in enumerate(kept)}

        # --- tokenizer files, remapped
        if tokenizer.mode in ("wordpiece", "char"):
            inverse = [tokenizer.id_to_token(int(i)) for i in kept]
            written["vocab.txt"].write_text("\n".join(inverse) + "\n", encoding="utf-8")
        if data is not None:
            data = _prune_tokenizer_json(data, kept, new_id, str(tokenizer))
            written["tokenizer.json"].write_text(json.dumps(data, ensure_ascii=False, indent=2),
                                                 encoding="utf-8")
        _remap_tokenizer_config(staged / "tokenizer_config.json", new_id)

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for path in staged.iterdir():
            shutil.copyfile(path, out / path.name)
    pruned_tokenizer = Tokenizer.from_directory(out)

    # --- the corpus must tokenize exactly as before, into the renumbered ids
    lookup = np.full(int(kept[-1]) + 1, -1, dtype=np.int64)
    lookup[kept] = np.arange(len(kept))
    _, new_rows = _used_ids(pruned_tokenizer, texts)
    for i, (before, after) in enumerate(zip(rows, new_rows)):
        if before.shape != after.shape or np.any(lookup[before] != after):
            raise TokenizerError(
                f"after pruning, corpus text {i} ({texts[i][:60]!r}) tokenizes differently; "
                "this is a bertkit bug, please report it with the text.")

    # --- the model
    pruned = _pruned_backbone(backbone, kept, new_id.get(int(tokenizer.pad_id), 0))
    export_huggingface(pruned, str(out))
    record = {
        "original_vocab_size": int(backbone.vocab_size),
        "original_tokenizer_size": int(tokenizer.vocab_size),
        "kept": int(len(kept)), "corpus_texts": len(texts), "corpus_tokens_used": int(len(used)),
        "keep_tokens": [int(i) for i in kept],
    }
    (out / KEEP_FILE).write_text(json.dumps(record), encoding="utf-8")
    return pruned, pruned_tokenizer
