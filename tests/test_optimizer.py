"""bertkit's AdamW: the fused torch update does exactly what Keras' own AdamW does.

Each case trains the TF-written tiny encoder plus a head for a few steps twice from the same
weights on the same batches -- once through the fused path, once through Keras' generic
per-variable path -- and compares every weight and optimizer slot.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import bertkit
from bertkit.tasks.classifier import TextClassifier
from bertkit.training.optimization import AdamW, WarmupLinearDecay, create_optimizer
from conftest import TINY_TF

pytestmark = pytest.mark.skipif(keras.backend.backend() != "torch",
                                reason="the fused update is the torch backend's")


def batches(n: int = 4, batch: int = 6, length: int = 12, seed: int = 0):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        x = {"token_ids": rng.integers(1, 2000, size=(batch, length)).astype("int32"),
             "segment_ids": np.zeros((batch, length), "int32"),
             "padding_mask": np.ones((batch, length), "int32")}
        x["padding_mask"][:, length - 3:] = 0
        yield x, rng.integers(0, 3, size=(batch,)).astype("int32")


def train(fused: bool, **optimizer_kwargs):
    keras.utils.set_random_seed(1)
    backbone = bertkit.load_backbone(TINY_TF)
    config = {**backbone.get_config(), "hidden_dropout": 0.0, "attention_dropout": 0.0}
    clone = bertkit.BertBackbone.from_config(config)
    clone.set_weights(backbone.get_weights())
    model = TextClassifier(clone, num_classes=3, pooling="mean", dropout=0.0)
    schedule = WarmupLinearDecay(5e-3, total_steps=8, warmup_steps=2)
    optimizer = create_optimizer(schedule, fused=fused, model=model, **optimizer_kwargs)
    model.compile(optimizer=optimizer, loss=model.loss_function())
    for x, y in batches():
        model.train_on_batch(x, y)
    slots = [v.numpy() for v in optimizer.variables]
    return [w.numpy() for w in model.weights], slots, optimizer


@pytest.mark.parametrize("kwargs", [
    {},                                           # decay (not on LayerNorm/bias) + global clipping
    {"global_clipnorm": 1e-3},                    # clipping that bites on every step
    {"global_clipnorm": None, "weight_decay": 0.0},
    {"layerwise_decay": 0.7},                     # per-variable learning rates
    {"gradient_accumulation_steps": 2},
], ids=["default", "hard-clip", "plain-adam", "layerwise", "accumulation"])
def test_fused_update_matches_keras_adamw(kwargs):
    fused_weights, fused_slots, optimizer = train(True, **kwargs)
    keras_weights, keras_slots, reference = train(False, **kwargs)
    assert optimizer.fused and not reference.fused
    moved = max(float(np.abs(a - b).max()) for a, b in
                zip(fused_weights, [w.numpy() for w in train_start_weights()]))
    assert moved > 1e-4, "the weights did not move: the comparison would prove nothing"
    for a, b in zip(fused_weights, keras_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-6)
    for a, b in zip(fused_slots, keras_slots):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-6)  # lerp vs mul-add rounding


def train_start_weights():
    keras.utils.set_random_seed(1)
    backbone = bertkit.load_backbone(TINY_TF)
    model = TextClassifier(backbone, num_classes=3, pooling="mean", dropout=0.0)
    return model.weights


def test_layerwise_rates_slow_lower_layers():
    """With a strong decay the word embeddings move far less than the head."""
    start = train_start_weights()
    before = {w.path: w.numpy() for w in start}
    weights, _, optimizer = train(True, layerwise_decay=0.1)
    after = dict(zip((w.path for w in start), weights))
    embedding = next(p for p in optimizer.lr_multipliers if "word_embeddings" in p)
    head = next(p for p in optimizer.lr_multipliers if "transformer_layer" not in p
                and "embeddings" not in p and "pooler" not in p and "kernel" in p)
    assert optimizer.lr_multipliers[embedding] == pytest.approx(0.1 ** 3)  # 2 layers + 1
    assert optimizer.lr_multipliers[head] == 1.0

    def moved(path):
        return float(np.abs(after[path] - before[path]).max())

    assert moved(embedding) < 0.05 * moved(head)


def test_head_multiplier_scales_the_head_only_and_composes_with_layerwise_decay():
    start = train_start_weights()
    before = {w.path: w.numpy() for w in start}
    _, _, plain = train(True, layerwise_decay=0.5)
    weights, _, optimizer = train(True, layerwise_decay=0.5, head_lr_multiplier=20.0)
    after = dict(zip((w.path for w in start), weights))
    head = {p for p in optimizer.lr_multipliers if p.startswith("classifier_head")}
    assert head and all(optimizer.lr_multipliers[p] == 20.0 for p in head)
    for path, factor in optimizer.lr_multipliers.items():
        if path not in head:  # the encoder keeps its layer-wise rates
            assert factor == plain.lr_multipliers[path]
    kernel = next(p for p in head if "kernel" in p)
    assert float(np.abs(after[kernel] - before[kernel]).max()) > 5 * 5e-3  # > 5 plain steps
    with pytest.raises(ValueError, match="need the model"):
        create_optimizer(1e-3, head_lr_multiplier=10.0)


def test_fused_needs_torch_and_config_round_trips():
    optimizer = AdamW(learning_rate=1e-3, lr_multipliers={"a/b": 0.5})
    config = optimizer.get_config()
    assert config["lr_multipliers"] == {"a/b": 0.5} and "fused" not in config
    assert AdamW.from_config(config).lr_multipliers == {"a/b": 0.5}
