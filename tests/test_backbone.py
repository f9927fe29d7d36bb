"""The encoder itself: shapes, masking, config and saving round trips, dtypes, training."""

from __future__ import annotations

import numpy as np
import pytest

import bertkit  # noqa: F401  (sets the backend)
import keras
from bertkit import BertBackbone, BertConfig, ConfigError

TINY = dict(vocab_size=50, hidden_size=16, num_layers=2, num_heads=4, intermediate_size=32,
            max_position_embeddings=24)


def inputs(ids, segments=None, mask=None):
    ids = np.asarray(ids, dtype="int32")
    return {"token_ids": ids,
            "segment_ids": np.zeros_like(ids) if segments is None else np.asarray(segments, "int32"),
            "padding_mask": np.ones_like(ids) if mask is None else np.asarray(mask, "int32")}


def run(model, batch, **kwargs):
    out = model(batch, **kwargs)
    return {k: keras.ops.convert_to_numpy(v) for k, v in out.items()}


def test_output_shapes_and_pooler_on_cls():
    model = BertBackbone(**TINY)
    out = run(model, inputs([[1, 5, 7, 2], [1, 9, 2, 0]], mask=[[1, 1, 1, 1], [1, 1, 1, 0]]))
    assert out["sequence_output"].shape == (2, 4, 16)
    assert out["pooled_output"].shape == (2, 16)
    kernel = keras.ops.convert_to_numpy(model.pooler_dense.kernel)
    bias = keras.ops.convert_to_numpy(model.pooler_dense.bias)
    np.testing.assert_allclose(out["pooled_output"],
                               np.tanh(out["sequence_output"][:, 0] @ kernel + bias), atol=1e-5)


def test_padding_does_not_change_real_token_outputs():
    model = BertBackbone(**TINY)
    short = run(model, inputs([[1, 5, 7, 2]]))
    padded = run(model, inputs([[1, 5, 7, 2, 0, 0, 0]], mask=[[1, 1, 1, 1, 0, 0, 0]]))
    np.testing.assert_allclose(padded["sequence_output"][:, :4], short["sequence_output"],
                               atol=1e-5)
    np.testing.assert_allclose(padded["pooled_output"], short["pooled_output"], atol=1e-5)


def test_segment_ids_change_outputs():
    model = BertBackbone(**TINY)
    a = run(model, inputs([[1, 5, 7, 2]], segments=[[0, 0, 0, 0]]))
    b = run(model, inputs([[1, 5, 7, 2]], segments=[[0, 0, 1, 1]]))
    assert not np.allclose(a["sequence_output"], b["sequence_output"])


def test_inference_is_deterministic_and_dropout_acts_in_training():
    model = BertBackbone(**TINY)
    batch = inputs([[1, 5, 7, 2, 9, 4]])
    first, second = run(model, batch), run(model, batch)
    np.testing.assert_array_equal(first["sequence_output"], second["sequence_output"])
    trained = run(model, batch, training=True)
    assert not np.allclose(trained["sequence_output"], first["sequence_output"])


def test_attention_dropout_path_equals_fused_path_without_dropout():
    model = BertBackbone(**{**TINY, "hidden_dropout": 0.0, "attention_dropout": 0.0})
    layer = model.transformer_layers[0]
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=(2, 5, 4, 4)).astype("float32") for _ in range(3))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)[:, None, None, :]
    fused = keras.ops.convert_to_numpy(layer._attention(q, k, v, mask, training=False))
    layer.attention_dropout = 1e-9  # take the explicit path; dropout this small changes nothing
    explicit = keras.ops.convert_to_numpy(layer._attention(q, k, v, mask, training=True))
    np.testing.assert_allclose(explicit, fused, atol=1e-5)


@pytest.mark.parametrize("act", ["gelu", "gelu_new", "relu", "silu"])
def test_hidden_activations(act):
    model = BertBackbone(**{**TINY, "hidden_act": act})
    out = run(model, inputs([[1, 2, 3]]))
    assert np.isfinite(out["sequence_output"]).all()


def test_config_round_trips_and_saving(tmp_path):
    model = BertBackbone(**TINY, name="encoder")
    clone = BertBackbone.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert clone.bert_config == BertConfig(**{**TINY})
    path = str(tmp_path / "backbone.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    batch = inputs([[1, 5, 7, 2]])
    np.testing.assert_array_equal(run(restored, batch)["sequence_output"],
                                  run(model, batch)["sequence_output"])


def test_mixed_bfloat16_policy_runs_close_to_float32():
    model = BertBackbone(**TINY)
    mixed = BertBackbone(**TINY, dtype="mixed_bfloat16")
    mixed.set_weights(model.get_weights())
    assert mixed.transformer_layers[0].query_dense.compute_dtype == "bfloat16"
    assert mixed.transformer_layers[0].query_dense.kernel.dtype == "float32"
    batch = inputs([[1, 5, 7, 2, 9, 4]])
    full = run(model, batch)["sequence_output"]
    half = run(mixed, batch)["sequence_output"].astype("float32")
    assert np.abs(full - half).max() < 0.1


def test_a_training_step_lowers_the_loss():
    keras.utils.set_random_seed(0)
    backbone = BertBackbone(**{**TINY, "hidden_dropout": 0.0, "attention_dropout": 0.0})
    features = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    segments = keras.Input(shape=(None,), dtype="int32", name="segment_ids")
    mask = keras.Input(shape=(None,), dtype="int32", name="padding_mask")
    pooled = backbone({"token_ids": features, "segment_ids": segments,
                       "padding_mask": mask})["pooled_output"]
    model = keras.Model([features, segments, mask], keras.layers.Dense(2)(pooled))
    model.compile(keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    ids = rng.integers(3, 50, size=(16, 6)).astype("int32")
    labels = (ids[:, 1] > 25).astype("int32")
    x = [ids, np.zeros_like(ids), np.ones_like(ids)]
    before = model.evaluate(x, labels, verbose=0)
    model.fit(x, labels, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(x, labels, verbose=0) < before


@pytest.mark.parametrize("bad, message", [
    (dict(hidden_size=30, num_heads=4), "divisible"),
    (dict(hidden_act="mish"), "hidden_act"),
    (dict(num_layers=0), "num_layers"),
    (dict(hidden_dropout=1.5), "hidden_dropout"),
])
def test_bad_config_is_a_clear_error(bad, message):
    with pytest.raises(ConfigError, match=message):
        BertConfig(**{**TINY, **bad})


def test_config_reads_google_and_huggingface_keys():
    google = {"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
              "num_attention_heads": 2, "intermediate_size": 16,
              "hidden_dropout_prob": 0.2, "attention_probs_dropout_prob": 0.3}
    cfg = BertConfig.from_dict(google)
    assert (cfg.num_layers, cfg.num_heads, cfg.hidden_dropout, cfg.attention_dropout) == \
        (1, 2, 0.2, 0.3)
    assert BertConfig.from_dict(cfg.to_hf_dict()) == cfg
    with pytest.raises(ConfigError, match="vocab_size"):
        BertConfig.from_dict({"hidden_size": 8}, source="my_config.json")
