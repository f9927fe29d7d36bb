"""bertkit's AdamW: both update paths do what ``torch.optim.AdamW`` does.

``torch.optim.AdamW`` (the transformers Trainer's optimizer) is the reference: fed the same
gradients, bertkit's fused torch update and its generic ``keras.ops`` update must leave the same
weights. Then each case trains the TF-written tiny encoder plus a head for a few steps twice
from the same weights on the same batches -- once through the fused path, once through the
generic per-variable path -- and compares every weight and optimizer slot.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import bertkit
from bertkit.tasks.classification import TextClassifier
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
def test_fused_and_generic_updates_agree(kwargs):
    fused_weights, fused_slots, optimizer = train(True, **kwargs)
    keras_weights, keras_slots, reference = train(False, **kwargs)
    assert optimizer.fused and not reference.fused
    moved = max(float(np.abs(a - b).max()) for a, b in
                zip(fused_weights, [w.numpy() for w in train_start_weights()]))
    assert moved > 1e-4, "the weights did not move: the comparison would prove nothing"
    # Steps are ~lr (5e-3) wherever m_hat / sqrt(v_hat) is ~1, even for gradients near 1e-9;
    # there the two paths' rounding shows at ~1e-5, well under 1 % of one step.
    for a, b in zip(fused_weights, keras_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=3e-5)
    for a, b in zip(fused_slots, keras_slots):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-6)  # lerp vs mul-add rounding


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "generic"])
def test_update_is_torch_adamw_step_by_step(fused):
    """Same gradients in, same weights out as torch.optim.AdamW with the transformers recipe
    (decay 0.01 except on LayerNorm and biases, eps 1e-6, global-norm clipping at 1, linear
    warmup and decay). Gradients span 1e-7..1 so that where epsilon is added shows: Keras' own
    Adam (epsilon before bias correction) fails this by far more than the tolerance."""
    import torch

    rng = np.random.default_rng(0)
    shapes = {"dense/kernel": (5, 4), "dense/bias": (4,), "layer_norm/gamma": (4,)}
    start = {name: rng.normal(size=shape).astype("float32") for name, shape in shapes.items()}
    steps = 12
    grads = [{name: (rng.normal(size=shape) * 10.0 ** rng.uniform(-7, 0, size=shape))
              .astype("float32") for name, shape in shapes.items()} for _ in range(steps)]
    grads[3]["dense/kernel"] *= 50  # one step whose global norm is clipped

    variables = [keras.Variable(start[name], name=name.split("/")[1]) for name in shapes]
    schedule = WarmupLinearDecay(1e-2, total_steps=steps, warmup_steps=3)
    optimizer = create_optimizer(schedule, weight_decay=0.01, fused=fused)
    optimizer.build(variables)

    params = {name: torch.tensor(start[name], requires_grad=True) for name in shapes}
    reference = torch.optim.AdamW(
        [{"params": [params["dense/kernel"]], "weight_decay": 0.01},
         {"params": [params["dense/bias"], params["layer_norm/gamma"]], "weight_decay": 0.0}],
        lr=1e-2, betas=(0.9, 0.999), eps=1e-6)
    lr_at = [float(schedule(step)) for step in range(steps)]
    for step, g in enumerate(grads):
        optimizer.apply([keras.ops.convert_to_tensor(g[name]) for name in shapes], variables)
        for name, p in params.items():
            p.grad = torch.tensor(g[name])
        torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)
        for group in reference.param_groups:
            group["lr"] = lr_at[step]
        reference.step()
    for name, variable in zip(shapes, variables):
        assert np.abs(keras.ops.convert_to_numpy(variable) - start[name]).max() > 1e-3
        np.testing.assert_allclose(keras.ops.convert_to_numpy(variable),
                                   params[name].detach().numpy(), rtol=1e-5, atol=1e-6)


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
