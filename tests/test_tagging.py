"""End to end: fine-tune a tagger (CRF and softmax heads) on the tiny Chinese checkpoint in
character mode, predict entities as spans of the original text, save/load in a fresh process
(torch and JAX), the CLI, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import bertkit
from bertkit.cli import main
from bertkit.tasks.tagging import (TaggedExamples, TaggingLearner, TaggingPredictor, TagScheme,
                                   TokenTagger)
from conftest import TINY_TF

PEOPLE = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨磊"]
PLACES = ["北京", "上海", "广州", "深圳", "南京", "杭州"]
TEMPLATES = ["{p}昨天去了{c}。", "{p}说{c}很美"]


def make_examples(n: int, seed: int) -> TaggedExamples:
    rng = np.random.default_rng(seed)
    texts, entities = [], []
    for _ in range(n):
        p, c = PEOPLE[rng.integers(6)], PLACES[rng.integers(6)]
        template = TEMPLATES[rng.integers(len(TEMPLATES))]
        text = template.format(p=p, c=c)
        spans = [(text.index(p), text.index(p) + 2, "PER"), (text.index(c), text.index(c) + 2,
                                                             "LOC")]
        texts.append(text)
        entities.append(sorted(spans))
    return TaggedExamples(texts, entities)


@pytest.fixture(scope="module")
def trained():
    train, valid = make_examples(96, seed=0), make_examples(24, seed=1)
    learner = TaggingLearner.for_tagging(TINY_TF, train, valid, head="crf", scheme="BMES",
                                         tokenizer_mode="char", batch_size=8, max_len=32,
                                         crf_lr_multiplier=10)  # lr x 10: transitions at 2e-2
    history = learner.fit(2e-3, epochs=4, verbose=0)
    return learner, history


def test_crf_tagger_learns_and_returns_spans_of_the_original_text(trained):
    learner, history = trained
    assert history["loss"][-1] < history["loss"][0] / 3
    report = learner.validate(print_report=False)
    assert report.f1 > 0.9, str(report)
    assert set(report.per_type) == {"LOC", "PER"}
    text = "陈静昨天去了杭州。"
    [entities] = learner.get_predictor().predict([text])
    assert {(e["start"], e["end"], e["type"]) for e in entities} == {(0, 2, "PER"),
                                                                    (6, 8, "LOC")}
    assert all(text[e["start"]:e["end"]] == e["text"] for e in entities)


def test_softmax_head_trains_through_the_same_learner():
    train = make_examples(48, seed=2)
    learner = TaggingLearner.for_tagging(TINY_TF, train, head="softmax", scheme="BIO",
                                         tokenizer_mode="char", batch_size=16, max_len=32)
    assert learner.model.crf is None and learner.scheme.tags[:3] == ["O", "B-LOC", "I-LOC"]
    history = learner.fit(2e-3, epochs=2, verbose=0)
    assert history["loss"][1] < history["loss"][0]
    assert history["tag_accuracy"][1] > 0.5
    [[*entities]] = learner.get_predictor().predict_spans(["张伟说北京很美"])
    assert all(0 <= s < e <= 7 for s, e, _ in entities)


PREDICT_SCRIPT = textwrap.dedent("""
    import json, sys
    import bertkit, keras
    predictor = bertkit.load_predictor(sys.argv[1])
    print(keras.backend.backend(), type(predictor).__name__,
          json.dumps(predictor.predict(json.loads(sys.argv[2])), ensure_ascii=False))
""")


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_saved_tagger_loads_in_a_fresh_process(trained, tmp_path, backend):
    if backend == "jax":
        pytest.importorskip("jax")
    learner, _ = trained
    texts = ["刘洋说深圳很美", "没有实体", "杨磊昨天去了广州。"]
    expected = learner.get_predictor().predict(texts)
    learner.get_predictor().save(tmp_path / "ner")
    config = json.loads((tmp_path / "ner" / "predictor.json").read_text())
    assert config["task"] == "token_tagging" and config["scheme"]["scheme"] == "BMES"
    assert config["tokenizer"]["mode"] == "char"
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", PREDICT_SCRIPT, str(tmp_path / "ner"),
                          json.dumps(texts)], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    name, kind, predicted = out.stdout.strip().splitlines()[-1].split(" ", 2)
    assert (name, kind) == (backend, "TaggingPredictor")
    assert json.loads(predicted) == expected


def test_mismatches_are_clear_errors(trained):
    learner, _ = trained
    backbone = bertkit.load_backbone(TINY_TF)
    tokenizer = bertkit.load_tokenizer(TINY_TF, mode="char")
    model = TokenTagger(backbone, num_tags=5, head="crf")
    train = make_examples(4, seed=3)
    with pytest.raises(bertkit.BertkitError, match="the scheme has 9 tags .* model 5"):
        TaggingLearner(model, tokenizer, train, scheme=TagScheme("BMES", ["LOC", "PER"]))
    valid = TaggedExamples(["苹果公司"], [[(0, 4, "ORG")]], sources=["dev.jsonl line 7"])
    with pytest.raises(bertkit.BertkitError,
                       match=r"dev.jsonl line 7 \(validation data\): entity type\(s\) \['ORG'\]"):
        TaggingLearner(model, tokenizer, train, valid, scheme=TagScheme("BIO", ["LOC", "PER"]))
    with pytest.raises(ValueError, match="the scheme has 3 tags but the model 9"):
        TaggingPredictor(learner.model, tokenizer, TagScheme("BIO", ["LOC"]))
    with pytest.raises(bertkit.ConfigError, match="head must be one of"):
        TokenTagger(backbone, num_tags=5, head="lstm")


def test_cli_train_tagger_predict_and_evaluate(tmp_path, capsys):
    data = tmp_path / "ner.jsonl"
    ex = make_examples(40, seed=4)
    data.write_text("\n".join(json.dumps(
        {"text": t, "entities": [{"start": s, "end": e, "type": k} for s, e, k in spans]},
        ensure_ascii=False) for t, spans in zip(ex.texts, ex.entities)), encoding="utf-8")
    out = tmp_path / "tagger"
    assert main(["train-tagger", "--data", str(data), "--model", str(TINY_TF), "--out",
                 str(out), "--char", "--epochs", "1", "--lr", "2e-3", "--batch-size", "16",
                 "--max-len", "32"]) == 0
    assert (out / "predictor.json").is_file() and (out / "validation.json").is_file()
    capsys.readouterr()
    assert main(["predict", "--model", str(out), "王芳说南京很美", "无"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == ["王芳说南京很美", "无"]
    for row in rows:
        for e in row["entities"]:
            assert row["text"][e["start"]:e["end"]] == e["text"] and e["type"] in {"LOC", "PER"}
    assert main(["evaluate", "--model", str(out), "--data", str(data)]) == 0
    assert "micro avg" in capsys.readouterr().out
