"""Relation extraction: DuIE loading and errors, overlap checks, sampled-subject batches,
decoding on hand-made logits, learning a generated set, saving, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from conftest import TINY_TF

import bertkit
import keras
from bertkit.data.examples import DataError
from bertkit.data.extraction import load_relation_examples, write_jsonl
from bertkit.data.generated_relations import PREDICATES, generate_relation_examples
from bertkit.tasks.relation_extraction import decode_objects, decode_subjects
from bertkit.tasks.relation_extraction import RelationLoss
from bertkit.tasks.relation_extraction import RelationLearner, encode_relation_examples


@pytest.fixture(scope="module")
def char_tokenizer():
    return bertkit.load_tokenizer(TINY_TF, mode="char")


def test_duie_loading_first_occurrence_and_errors(tmp_path):
    ex = load_relation_examples([{"text": "北京人李雷在北京工作。", "spo_list": [
        {"subject": "李雷", "predicate": "出生地", "object": "北京"},
        {"subject": "李雷", "predicate": "出生地", "object": "北京"}]}])[0]
    assert ex.triples == [("李雷", "出生地", "北京")]  # duplicates collapse
    assert ex.spans == [((3, 5), "出生地", (0, 2))]  # first occurrence of "北京"
    # DuIE 2.0 objects {"@value": ...} are read too
    ex = load_relation_examples([{"text": "李雷生于北京", "spo_list": [
        {"subject": "李雷", "predicate": "出生地", "object": {"@value": "北京"}}]}])[0]
    assert ex.triples == [("李雷", "出生地", "北京")]
    path = tmp_path / "duie.jsonl"
    write_jsonl([{"text": "李雷生于北京", "spo_list": []},
                 {"text": "李雷生于北京", "spo_list": [
                     {"subject": "韩梅梅", "predicate": "出生地", "object": "北京"}]}], path)
    with pytest.raises(DataError, match=r"duie.jsonl line 2: spo_list\[0\] subject '韩梅梅' "
                                        "does not occur in the text"):
        load_relation_examples(str(path))
    with pytest.raises(DataError, match="predicate '出生地', which is not in the model's"):
        load_relation_examples([{"text": "李雷生于北京", "spo_list": [
            {"subject": "李雷", "predicate": "出生地", "object": "北京"}]}], predicates=["国籍"])
    with pytest.raises(DataError, match="example 0: 'spo_list' must be a list"):
        load_relation_examples([{"text": "x", "spo_list": "李雷"}])


def test_generated_set_is_valid_duie_with_expressible_spans(char_tokenizer):
    records = generate_relation_examples(300, seed=3)
    assert records == generate_relation_examples(300, seed=3)  # seeded
    examples = load_relation_examples(records, predicates=PREDICATES)
    assert sum(len(e.triples) for e in examples) > 300
    assert any(not e.triples for e in examples) and any(len(e.triples) >= 3 for e in examples)
    encoded, counts = encode_relation_examples(examples, char_tokenizer, 128, PREDICATES)
    assert len(encoded) == 300 and counts == {"triples_truncated": 0, "conflicts_skipped": 0}


def test_overlapping_gold_spans_are_an_error_naming_the_example(char_tokenizer):
    nested = {"text": "北京大学位于北京。", "spo_list": [
        {"subject": "北京大学", "predicate": "总部地点", "object": "北京"},
        {"subject": "北京", "predicate": "总部地点", "object": "北京大学"}]}
    examples = load_relation_examples([{"text": "好", "spo_list": []}, nested])
    with pytest.raises(DataError, match="example 1: the subjects '北京大学' and '北京' overlap"):
        encode_relation_examples(examples, char_tokenizer, 64, ["总部地点"])
    encoded, counts = encode_relation_examples(examples, char_tokenizer, 64, ["总部地点"],
                                               on_conflict="skip")
    assert len(encoded) == 1 and counts["conflicts_skipped"] == 1


def test_batches_sample_one_subject_per_text_per_epoch(char_tokenizer):
    record = {"text": "张伟和李娜都出生在杭州。", "spo_list": [
        {"subject": "张伟", "predicate": "出生地", "object": "杭州"},
        {"subject": "李娜", "predicate": "出生地", "object": "杭州"}]}
    model = bertkit.RelationExtractor(bertkit.load_backbone(TINY_TF), ["出生地", "毕业院校"])
    learner = RelationLearner(model, char_tokenizer, [record] * 4, batch_size=4, seed=1)
    batches = learner._batches(learner.train_data, training=True).batches
    seen = set()
    for epoch in range(6):
        batches.set_epoch(epoch)
        inputs, targets = batches[0]
        again = batches[0]
        assert np.array_equal(again[0]["subject_span"], inputs["subject_span"])  # seeded
        for row in range(4):
            span = tuple(inputs["subject_span"][row])
            seen.add(span)
            assert span in {(1, 2), (4, 5)}  # [CLS] shifts characters by one
            assert targets[row, [1, 4], 0].tolist() == [1, 1]  # both subject starts
            assert targets[row, [2, 5], 1].tolist() == [1, 1]  # both subject ends
            assert targets[row, 10, 2] == targets[row, 11, 3] == 1  # 杭州 for 出生地
            assert targets[row, :, 4:6].sum() == 0  # nothing for 毕业院校
            assert targets[row, :, -1].sum() == len(record["text"]) + 2  # the padding mask
    assert seen == {(1, 2), (4, 5)}  # both subjects get trained over the epochs


def test_decoding_hand_made_logits():
    text_mask = np.array([0, 1, 1, 1, 1, 1, 1, 0], np.float32)
    subject = np.full((8, 2), -9.0)
    subject[[1, 4], 0] = 9.0  # starts
    subject[[2, 6], 1] = 9.0  # ends
    subject[0, :] = 9.0  # [CLS] is not text: ignored
    assert decode_subjects(subject, text_mask, 0.5, power=2) == [(1, 2), (4, 6)]
    objects = np.full((8, 3, 2), -9.0)
    objects[5, 2, 0] = objects[6, 2, 1] = 9.0
    objects[3, 0, 0] = 9.0  # a start without an end: nothing
    assert decode_objects(objects, text_mask, 0.5, power=4) == [(2, 5, 6)]
    # sigmoid(x) ** 4 must pass the threshold: a logit of 1.0 (p = 0.73, 0.73**4 = 0.28) doesn't
    objects[5, 2, 0] = 1.0
    assert decode_objects(objects, text_mask, 0.5, power=4) == []


def test_loss_ignores_padding_and_rewards_right_pointers():
    loss = RelationLoss()
    targets = np.zeros((1, 4, 2 + 2 + 1), np.float32)
    targets[0, :3, -1] = 1.0  # 3 real tokens, 1 padding
    targets[0, 1, 0] = targets[0, 1, 1] = targets[0, 2, 2] = targets[0, 2, 3] = 1.0
    right = np.where(targets[..., :-1] > 0, 12.0, -12.0).astype(np.float32)
    wrong = -right
    pad_changed = right.copy()
    pad_changed[0, 3] = 50.0
    value = lambda y: float(np.asarray(loss(targets, y)))  # noqa: E731
    assert value(right) < 1e-3 < value(wrong)
    assert value(pad_changed) == pytest.approx(value(right))


@pytest.fixture(scope="module")
def trained(char_tokenizer):
    keras.utils.set_random_seed(0)  # the heads start the same every run
    records = generate_relation_examples(8, seed=5)
    model = bertkit.RelationExtractor(bertkit.load_backbone(TINY_TF), list(PREDICATES),
                                      dropout=0.0)
    learner = RelationLearner(model, char_tokenizer, records, batch_size=8, max_len=48)
    history = learner.fit(3e-3, epochs=30, schedule="constant", verbose=0)
    return learner, records, history


def test_tiny_model_learns_generated_triples_with_exact_text(trained):
    learner, records, history = trained
    assert history["loss"][-1] < 0.25 * history["loss"][0]
    report = learner.validate(records, print_report=False)
    assert report["f1"] >= 0.8, report
    for record, triples in zip(records, learner.get_predictor().predict(
            [r["text"] for r in records])):
        for t in triples:  # exact substrings at the reported offsets
            assert record["text"][t["subject_start"]:t["subject_end"]] == t["subject"]
            assert record["text"][t["object_start"]:t["object_end"]] == t["object"]
            assert t["predicate"] in PREDICATES


def test_saved_relation_predictor_and_cli(trained, tmp_path, capsys):
    learner, records, _ = trained
    predictor = learner.get_predictor()
    predictor.save(tmp_path / "rel")
    loaded = bertkit.load_predictor(tmp_path / "rel")
    assert loaded.predicates == list(PREDICATES) and loaded.model.object_power == 4.0
    texts = [r["text"] for r in records]
    assert loaded.predict(texts) == predictor.predict(texts)

    from bertkit.cli import main

    assert main(["predict", "--model", str(tmp_path / "rel"), *texts[:2]]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["text"] for x in lines] == texts[:2]
    assert [x["spo_list"] for x in lines] == predictor.predict(texts[:2])
    write_jsonl(records, tmp_path / "gold.jsonl")
    assert main(["evaluate", "--model", str(tmp_path / "rel"), "--data",
                 str(tmp_path / "gold.jsonl")]) == 0
    assert json.loads(capsys.readouterr().out) == predictor.evaluate(records).as_dict()

    pytest.importorskip("jax")
    script = textwrap.dedent("""
        import json, sys, keras, bertkit
        assert keras.backend.backend() == "jax"
        p = bertkit.load_predictor(sys.argv[1])
        records = json.loads(sys.argv[2])
        triples = p.predict([r["text"] for r in records])
        learner = bertkit.RelationLearner(p.model, p.tokenizer, records, batch_size=4, max_len=48)
        loss = learner.fit(1e-4, epochs=1, schedule="constant", verbose=0)["loss"][-1]
        assert loss == loss and loss < 1e6, loss  # a finite training step on JAX
        print(json.dumps(triples, ensure_ascii=False))
    """)
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "rel"),
                          json.dumps(records[:4], ensure_ascii=False)],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == predictor.predict(texts[:4])


def test_cli_train_relation(tmp_path, capsys):
    from bertkit.cli import main

    write_jsonl(generate_relation_examples(12, seed=9), tmp_path / "train.jsonl")
    assert main(["train-relation", "--data", str(tmp_path / "train.jsonl"), "--model",
                 str(TINY_TF), "--out", str(tmp_path / "out"), "--char", "--epochs", "1",
                 "--max-len", "48", "--batch-size", "8", "--valid-fraction", "0.25"]) == 0
    assert "triples: precision" in capsys.readouterr().out
    config = json.loads((tmp_path / "out" / "predictor.json").read_text(encoding="utf-8"))
    assert config["task"] == "relation_extraction"
    assert set(config["head"]["predicates"]) <= set(PREDICATES)
