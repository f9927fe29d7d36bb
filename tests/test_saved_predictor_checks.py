"""Predictor directories are checked as strictly as checkpoints: a vocabulary that is not the
saved one, or labels that do not fit the saved head, are a `CheckpointError` naming the file
(also for directories saved by an older bertkit, without file hashes)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import bertkit
from bertkit.errors import CheckpointError

FIXTURES = Path(__file__).parent / "fixtures" / "saved_predictors"


def fixture_copy(name: str, tmp_path: Path) -> Path:
    """A copy of a predictor saved by an older bertkit (no hashes in its predictor.json)."""
    shutil.copytree(FIXTURES / name, tmp_path / name)
    return tmp_path / name


def test_a_cut_vocabulary_is_refused(tmp_path):
    target = fixture_copy("text_classification", tmp_path)
    lines = (target / "vocab.txt").read_text(encoding="utf-8").splitlines()
    (target / "vocab.txt").write_text("\n".join(lines[:100]) + "\n", encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"vocab.txt: 100 tokens, but .*predictor.json "
                                              r"records a tokenizer of 112 tokens"):
        bertkit.load_predictor(target)


def test_a_cut_vocabulary_of_a_new_save_is_refused(tmp_path):
    target = tmp_path / "pred"
    bertkit.load_predictor(FIXTURES / "text_classification").save(target)
    lines = (target / "vocab.txt").read_text(encoding="utf-8").splitlines()
    (target / "vocab.txt").write_text("\n".join(lines[:100]) + "\n", encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"vocab.txt: \d+ bytes, but .*predictor.json "
                                              r"records \d+: the file is truncated"):
        bertkit.load_predictor(target)


CATEGORY = {"group": {"names": ["economy", "leisure"], "multi_label": False},
            "category": {"names": ["football", "stocks"], "multi_label": False},
            "tags": {"names": ["long", "short"], "multi_label": True}}


@pytest.mark.parametrize("name, field, value, message", [
    ("text_classification", "labels", {"names": ["a", "b"], "multi_label": False},
     r"predictor.json: the label map has 2 labels but the model 3 classes"),
    ("document_classification", "labels", {"names": ["a", "b", "c"], "multi_label": False},
     r"predictor.json: a document classifier needs a single_label model with 3 classes; got "
     r"single_label with 2"),
    ("token_tagging", "scheme", {"scheme": "BIO", "types": ["LOC", "ORG", "PER"]},
     r"predictor.json: the scheme has 7 tags but the model 5"),
    ("multi_head_classification", "labels", CATEGORY,
     r"predictor.json: head 'category': the label map has 2 labels, the model 3 classes"),
])
def test_labels_that_do_not_fit_the_head_are_a_checkpoint_error(tmp_path, name, field, value,
                                                               message):
    target = fixture_copy(name, tmp_path)
    config = json.loads((target / "predictor.json").read_text(encoding="utf-8"))
    (target / "predictor.json").write_text(json.dumps({**config, field: value}))
    with pytest.raises(CheckpointError, match=message):
        bertkit.load_predictor(target)


@pytest.mark.parametrize("name, bad", [
    ("text_classification", [None]), ("text_classification", ["ok", 3]),
    ("token_tagging", [None]), ("span_extraction", [{"query": "谁"}]),
    ("relation_extraction", [b"bytes"]), ("document_classification", [None]),
    ("text_regression", [("a",)]), ("multi_head_classification", "one text, not a list")])
def test_bad_inputs_to_predict_are_clear_errors(name, bad):
    """predict([None]) was a TypeError from len(); every predictor now says what is wrong."""
    predictor = bertkit.load_predictor(FIXTURES / name)
    with pytest.raises(bertkit.errors.PredictorInputError) as info:
        predictor.predict(bad)
    message = str(info.value)
    assert ("string" in message or "list" in message or "query" in message), message
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
