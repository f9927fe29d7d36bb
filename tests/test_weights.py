"""Loading and saving weights in every format, against real references."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

import bertkit
import keras
from bertkit import CheckpointError, CheckpointNotFoundError, load_backbone
from conftest import ENGLISH_SENTENCES, TINY_TF


def forward(backbone, token_ids, segment_ids, mask):
    out = backbone({"token_ids": np.asarray(token_ids, "int32"),
                    "segment_ids": np.asarray(segment_ids, "int32"),
                    "padding_mask": np.asarray(mask, "int32")})
    return {k: keras.ops.convert_to_numpy(v) for k, v in out.items()}


# ---- Google TF checkpoint ----------------------------------------------------------------------

def test_google_checkpoint_reproduces_transformers_reference():
    ref = np.load(TINY_TF / "reference.npz")
    backbone, report = load_backbone(TINY_TF, return_report=True)
    out = forward(backbone, ref["input_ids"], ref["token_type_ids"], ref["attention_mask"])
    mask = ref["attention_mask"].astype(bool)
    np.testing.assert_allclose(out["sequence_output"][mask], ref["sequence_output"][mask],
                               atol=1e-4)
    np.testing.assert_allclose(out["pooled_output"], ref["pooled_output"], atol=1e-4)
    assert report.format == "google-tf-checkpoint" and not report.missing
    # The pre-training heads are reported as unused, not silently dropped.
    assert any(name.startswith("cls/predictions") for name in report.unused)
    assert "cls/predictions" in report.summary()


def test_checkpoint_prefix_and_format_detection():
    assert bertkit.detect_format(TINY_TF) == "google"
    assert bertkit.detect_format(TINY_TF / "bert_model.ckpt") == "google"
    backbone = load_backbone(TINY_TF / "bert_model.ckpt")
    assert backbone.bert_config.num_layers == 2


def test_shape_mismatch_names_variable_expected_and_found(tiny_tf_copy):
    config_path = tiny_tf_copy / "bert_config.json"
    config = json.loads(config_path.read_text())
    config["intermediate_size"] = 128
    config_path.write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"intermediate/dense/kernel.*\(64, 256\).*\(64, 128\)"):
        load_backbone(tiny_tf_copy)


def test_vocab_size_mismatch_is_an_error(tiny_tf_copy):
    vocab = tiny_tf_copy / "vocab.txt"
    vocab.write_text(vocab.read_text(encoding="utf-8") + "".join(
        f"[extra{i}]\n" for i in range(500)), encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"vocab.txt.*21628 tokens.*vocab_size=21128"):
        load_backbone(tiny_tf_copy)


def test_missing_data_file_and_unknown_layout(tiny_tf_copy, tmp_path):
    (tiny_tf_copy / "bert_model.ckpt.data-00000-of-00001").unlink()
    with pytest.raises(CheckpointNotFoundError, match="data-00000-of-00001"):
        load_backbone(tiny_tf_copy)
    empty = tmp_path / "nothing_here"
    empty.mkdir()
    (empty / "notes.txt").write_text("hi")
    with pytest.raises(CheckpointError, match="unknown model layout.*notes.txt"):
        load_backbone(empty)
    with pytest.raises(CheckpointNotFoundError, match="no such file"):
        load_backbone(tmp_path / "does_not_exist")


# ---- Hugging Face ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def transformers_minilm(minilm_dir):
    transformers = pytest.importorskip("transformers")
    tokenizer = transformers.BertTokenizerFast(str(minilm_dir / "vocab.txt"))
    model = transformers.BertModel.from_pretrained(str(minilm_dir)).eval()
    return tokenizer, model


def reference_outputs(model, encoded):
    import torch

    with torch.no_grad():
        out = model(**encoded)
    return out.last_hidden_state.numpy(), out.pooler_output.numpy()


def test_minilm_matches_transformers_on_real_sentences(minilm_backbone, transformers_minilm):
    tokenizer, model = transformers_minilm
    encoded = tokenizer(ENGLISH_SENTENCES, ENGLISH_SENTENCES[::-1], padding=True,
                        return_tensors="pt")
    seq_ref, pooled_ref = reference_outputs(model, encoded)
    out = forward(minilm_backbone, encoded["input_ids"], encoded["token_type_ids"],
                  encoded["attention_mask"])
    mask = encoded["attention_mask"].numpy().astype(bool)
    np.testing.assert_allclose(out["sequence_output"][mask], seq_ref[mask], atol=1e-4)
    np.testing.assert_allclose(out["pooled_output"], pooled_ref, atol=1e-4)


def test_export_to_huggingface_round_trip_is_exact(minilm_backbone, transformers_minilm,
                                                   tmp_path):
    tokenizer, _ = transformers_minilm
    bertkit.export_huggingface(minilm_backbone, str(tmp_path / "hf"),
                               tokenizer=bertkit.load_tokenizer("all-MiniLM-L6-v2"))
    reloaded = load_backbone(tmp_path / "hf")
    for a, b in zip(minilm_backbone.get_weights(), reloaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    import transformers

    exported = transformers.BertModel.from_pretrained(str(tmp_path / "hf")).eval()
    encoded = tokenizer(ENGLISH_SENTENCES, padding=True, return_tensors="pt")
    seq_ref, _ = reference_outputs(exported, encoded)
    out = forward(minilm_backbone, encoded["input_ids"], encoded["token_type_ids"],
                  encoded["attention_mask"])
    mask = encoded["attention_mask"].numpy().astype(bool)
    np.testing.assert_allclose(out["sequence_output"][mask], seq_ref[mask], atol=1e-4)
    assert bertkit.load_tokenizer(tmp_path / "hf").encode("hello world").ids == \
        tokenizer("hello world")["input_ids"]


def test_bert_prefix_and_pytorch_bin_are_read(minilm_backbone, tmp_path):
    import torch

    hf = tmp_path / "prefixed"
    bertkit.export_huggingface(minilm_backbone, str(hf), prefix="bert.")
    prefixed = load_backbone(hf)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy(hf / "config.json", bin_dir / "config.json")
    from bertkit.weights.safetensors_io import read_safetensors

    state = {k: torch.from_numpy(v) for k, v in read_safetensors(hf / "model.safetensors").items()}
    torch.save(state, bin_dir / "pytorch_model.bin")
    from_bin = load_backbone(bin_dir)
    for a, b, c in zip(minilm_backbone.get_weights(), prefixed.get_weights(),
                       from_bin.get_weights()):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_truncated_safetensors_is_a_clear_error(minilm_dir, tmp_path):
    target = tmp_path / "broken"
    target.mkdir()
    shutil.copy(minilm_dir / "config.json", target / "config.json")
    data = (minilm_dir / "model.safetensors").read_bytes()
    (target / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"model.safetensors.*truncated"):
        load_backbone(target)


# ---- bertkit's own form ------------------------------------------------------------------------

def test_bertkit_save_round_trip_is_exact(tmp_path):
    backbone = load_backbone(TINY_TF)
    tokenizer = bertkit.load_tokenizer(TINY_TF)
    bertkit.save_backbone(backbone, str(tmp_path / "saved"), tokenizer=tokenizer)
    assert bertkit.detect_format(tmp_path / "saved") == "bertkit"
    restored = load_backbone(tmp_path / "saved")
    for a, b in zip(backbone.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(a, b)
    text = "今天天气很好"
    assert bertkit.load_tokenizer(tmp_path / "saved").encode(text).ids == \
        tokenizer.encode(text).ids


def test_bertkit_save_rejects_unknown_version_and_corruption(tmp_path):
    backbone = load_backbone(TINY_TF)
    saved = tmp_path / "saved"
    bertkit.save_backbone(backbone, str(saved))
    manifest = json.loads((saved / "bertkit.json").read_text())
    manifest["format_version"] = 99
    (saved / "bertkit.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="format_version 99"):
        load_backbone(saved)
    (saved / "bertkit.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_backbone(saved)


def test_dtype_policy_on_load():
    backbone = load_backbone(TINY_TF, dtype="mixed_bfloat16")
    assert backbone.transformer_layers[0].compute_dtype == "bfloat16"
    ref = np.load(TINY_TF / "reference.npz")
    out = forward(backbone, ref["input_ids"], ref["token_type_ids"], ref["attention_mask"])
    mask = ref["attention_mask"].astype(bool)
    assert np.abs(out["sequence_output"].astype("float32")[mask]
                  - ref["sequence_output"][mask]).max() < 0.1


def test_preset_names_resolve_to_installed_packages(minilm_dir):
    from bertkit.presets import resolve_model_path

    assert os.path.samefile(resolve_model_path("all-MiniLM-L6-v2"), minilm_dir)
    with pytest.raises(CheckpointNotFoundError, match="not a known model name"):
        resolve_model_path("bert-base-klingon")
