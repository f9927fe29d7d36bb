"""Multi-head parts without training: label columns, missing labels, masked losses and
metrics, the hierarchy (validation, masking, inconsistency counts)."""

from __future__ import annotations

import json

import keras
import numpy as np
import pandas as pd
import pytest

import bertkit
from bertkit.data import DataError, LabelMap, MultiHeadExamples, load_examples
from bertkit.tasks.multi_head import encode_targets
from bertkit.errors import ConfigError
from bertkit.tasks import Hierarchy, MultiHeadClassifier
from bertkit.tasks.multi_head import MaskedAccuracy, MaskedHeadLoss


# ---- data ----------------------------------------------------------------------------------


def test_csv_tsv_jsonl_and_dataframe_read_several_label_columns(tmp_path):
    csv = tmp_path / "news.csv"
    csv.write_text("text,category,sentiment\n国足晋级,体育,正面\n"
                   "这手机很好用,,正面\n\"股市, 大跌\",财经,\n", encoding="utf-8")
    tsv = tmp_path / "news.tsv"
    tsv.write_text("text\tcategory\tsentiment\n国足晋级\t体育\t正面\n这手机很好用\t\t正面\n"
                   "股市, 大跌\t财经\t\n", encoding="utf-8")
    jsonl = tmp_path / "news.jsonl"
    jsonl.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"text": "国足晋级", "category": "体育", "sentiment": "正面"},
        {"text": "这手机很好用", "sentiment": "正面"},                  # no category key
        {"text": "股市, 大跌", "category": "财经", "sentiment": None}]), encoding="utf-8")
    frame = pd.DataFrame({"text": ["国足晋级", "这手机很好用", "股市, 大跌"],
                          "category": ["体育", np.nan, "财经"],
                          "sentiment": ["正面", "正面", None]})
    expected = {"category": ["体育", None, "财经"], "sentiment": ["正面", "正面", None]}
    for source in (csv, tsv, jsonl, frame):
        ex = load_examples(source, label_columns=["category", "sentiment"])
        assert isinstance(ex, MultiHeadExamples)
        assert ex.texts == ["国足晋级", "这手机很好用", "股市, 大跌"]
        assert ex.labels == expected
        assert ex.label_counts() == {"category": 2, "sentiment": 2}


def test_multi_label_head_and_targets_mark_missing_rows():
    ex = MultiHeadExamples(
        ["a", "b", "c", "d"],
        {"topic": ["x", "y", None, "x"], "tags": [["t1", "t2"], None, [], ["t2"]]})
    maps = ex.label_maps()
    assert maps["tags"] == LabelMap(["t1", "t2"], multi_label=True)
    targets = encode_targets(ex.labels, maps, binary_heads=["topic"])
    assert targets["topic"].tolist() == [[0.0], [1.0], [-1.0], [0.0]]
    # An empty list is a real label (none of the tags); a missing one is a row of -1.
    assert targets["tags"].tolist() == [[1, 1], [-1, -1], [0, 0], [0, 1]]
    head = ex.for_head("tags")
    assert head.texts == ["a", "c", "d"] and head.is_multi_label


def test_label_column_problems_are_clear_errors(tmp_path):
    path = tmp_path / "mixed.tsv"
    path.write_text("text\tcategory\tsentiment\n球赛\t体育\t\n空白\t\t\n好用\t\t正面\n",
                    encoding="utf-8")
    with pytest.raises(DataError, match=r"mixed.tsv line 3: the row has no label in any of the "
                                        r"label columns \['category', 'sentiment'\]"):
        load_examples(path, label_columns=["category", "sentiment"])
    with pytest.warns(UserWarning, match="skipped 1 bad row"):
        skipped = load_examples(path, label_columns=["category", "sentiment"],
                                on_bad_rows="skip")
    assert len(skipped) == 2 and skipped.skipped == 1
    with pytest.raises(DataError, match="no column 'sentimnt'.*'sentiment'"):
        load_examples(path, label_columns=["category", "sentimnt"])
    frame = pd.DataFrame({"text": ["a", "b"], "topic": ["x", "y"], "mood": [None, ""]})
    with pytest.raises(DataError, match="label column 'mood' is empty in every row"):
        load_examples(frame, label_columns=["topic", "mood"])
    with pytest.raises(DataError, match="list of column names"):
        load_examples(frame, label_columns="topic")
    with pytest.raises(DataError, match="example 1 has no label for any head"):
        MultiHeadExamples(["a", "b"], {"topic": ["x", None]})


def test_split_is_stratified_by_head_and_missingness():
    texts = [f"t{i}" for i in range(40)]
    topic = ["x", "y"] * 10 + [None] * 20
    mood = [None] * 20 + ["pos", "neg"] * 10
    train, valid = MultiHeadExamples(texts, {"topic": topic, "mood": mood}).split(0.5, seed=3)
    assert len(train) == 20 and len(valid) == 20
    assert sorted(train.texts + valid.texts) == sorted(texts)
    assert valid.label_counts() == {"topic": 10, "mood": 10}
    assert sorted(valid.labels["mood"], key=str).count("pos") == 5
    for part in (train, valid):  # rows keep their labels together
        for i, text in enumerate(part.texts):
            k = texts.index(text)
            assert (part.labels["topic"][i], part.labels["mood"][i]) == (topic[k], mood[k])


# ---- masked losses and metrics -------------------------------------------------------------


def test_masked_losses_average_over_labelled_rows_only():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 4)).astype("float32")
    ids = np.array([0, 3, -1, 2, -1, 1])
    keep = ids >= 0
    plain = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    expected = float(plain(ids[keep], logits[keep]))
    assert float(MaskedHeadLoss("single_label")(ids, logits)) == pytest.approx(expected, 1e-5)
    assert float(MaskedHeadLoss("single_label")(np.full(6, -1), logits)) == 0.0

    multi = (rng.random((6, 4)) > 0.5).astype("float32")
    multi[[1, 4]] = -1
    keep = multi[:, 0] >= 0
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    assert float(MaskedHeadLoss("multi_label")(multi, logits)) == pytest.approx(
        float(bce(multi[keep], logits[keep])), 1e-5)

    acc = MaskedAccuracy("single_label")
    acc.update_state(ids, logits)
    truth = (logits.argmax(1) == ids)[ids >= 0].mean()
    assert float(acc.result()) == pytest.approx(truth)
    binary = MaskedAccuracy("binary")
    binary.update_state(np.array([[1.0], [-1.0], [0.0]]), np.array([[2.0], [2.0], [1.0]]))
    assert float(binary.result()) == pytest.approx(0.5)  # the -1 row is not counted


def tiny_backbone():
    return bertkit.BertBackbone(vocab_size=60, hidden_size=16, num_layers=1, num_heads=2,
                                intermediate_size=32)


def test_compiled_loss_is_the_weighted_sum_of_masked_head_losses():
    keras.utils.set_random_seed(0)
    model = MultiHeadClassifier(tiny_backbone(), {"topic": 3, "mood": {"num_classes": 2,
                                                                       "task": "binary"}},
                                loss_weights={"mood": 0.25}, dropout=0.0)
    model.compile(optimizer="sgd", loss=model.loss_function(),
                  loss_weights=model.loss_weights_for_task(), metrics=model.metrics_for_task())
    inputs = {"token_ids": np.array([[1, 5, 6, 2], [1, 7, 2, 0], [1, 9, 8, 2]], "int32"),
              "segment_ids": np.zeros((3, 4), "int32"),
              "padding_mask": np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 1, 1]], "int32")}
    targets = {"topic": np.array([2, -1, 0], "int32"),
               "mood": np.array([[-1.0], [1.0], [0.0]], "float32")}
    logits = model.predict_on_batch(inputs)
    topic = float(MaskedHeadLoss("single_label")(targets["topic"], logits["topic"]))
    mood = float(MaskedHeadLoss("binary")(targets["mood"], logits["mood"]))
    result = model.evaluate(inputs, targets, verbose=0, return_dict=True)
    assert result["loss"] == pytest.approx(topic + 0.25 * mood, rel=1e-4)
    assert {"topic_accuracy", "mood_accuracy"} <= set(result)


def test_head_specs_are_validated():
    with pytest.raises(ConfigError, match="identifiers"):
        MultiHeadClassifier(tiny_backbone(), {"bad name": 3})
    with pytest.raises(ConfigError, match="exactly 2 classes"):
        MultiHeadClassifier(tiny_backbone(), {"mood": {"num_classes": 3, "task": "binary"}})
    with pytest.raises(ConfigError, match="loss_weights names the head 'moods'"):
        MultiHeadClassifier(tiny_backbone(), {"mood": 2}, loss_weights={"moods": 1.0})


# ---- hierarchy -----------------------------------------------------------------------------

GROUPS = {"football": "sport", "tennis": "sport", "stocks": "money", "banks": "money"}


def label_maps():
    return {"group": LabelMap(["money", "sport"]),
            "topic": LabelMap(["banks", "football", "stocks", "tennis"])}


def test_hierarchy_masking_never_returns_an_inconsistent_child():
    h = Hierarchy({"topic": ("group", GROUPS)}, label_maps())
    rng = np.random.default_rng(1)
    probs = {"group": rng.dirichlet(np.ones(2), 500), "topic": rng.dirichlet(np.ones(4), 500)}
    names = label_maps()["topic"].names
    parents = np.array(label_maps()["group"].names)[probs["group"].argmax(1)]
    raw_children = [names[j] for j in probs["topic"].argmax(1)]
    expected_bad = sum(GROUPS[c] != p for c, p in zip(raw_children, parents))
    report = h.inconsistency(probs)["topic"]
    assert report["inconsistent"] == expected_bad and report["total"] == 500
    assert 0 < expected_bad < 500
    fixed = h.constrain(probs)
    children = [names[j] for j in fixed["topic"].argmax(1)]
    assert all(GROUPS[c] == p for c, p in zip(children, parents))
    np.testing.assert_allclose(fixed["topic"].sum(1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(fixed["group"], probs["group"].astype(np.float32))
    assert h.inconsistency(fixed)["topic"]["inconsistent"] == 0


def test_hierarchy_is_validated_against_the_labels():
    maps = label_maps()
    with pytest.raises(ConfigError, match=r"labels \['tennis'\] have no parent"):
        Hierarchy({"topic": ("group", {k: v for k, v in GROUPS.items() if k != "tennis"})}, maps)
    with pytest.raises(ConfigError, match="parent of 'tennis' is 'sports', which is not a group"):
        Hierarchy({"topic": ("group", {**GROUPS, "tennis": "sports"})}, maps)
    with pytest.raises(ConfigError, match="names the head 'groups'"):
        Hierarchy({"topic": ("groups", GROUPS)}, maps)
    cyclic = {"topic": ("group", GROUPS),
              "group": ("topic", {"money": "banks", "sport": "tennis"})}
    with pytest.raises(ConfigError, match="cycle"):
        Hierarchy(cyclic, maps)
