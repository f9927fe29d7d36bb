"""Predictor directories saved by an earlier bertkit (tests/fixtures/saved_predictors, written
at commit aec214e by make_fixtures.py there) still load, and predict what they did when saved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import bertkit

FIXTURES = Path(__file__).parent / "fixtures" / "saved_predictors"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def load(name: str, tmp_path: Path):
    """Load a copy (loading must not need write access, but a copy keeps the fixture intact)."""
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return bertkit.load_predictor(target)


def test_every_task_has_a_fixture():
    assert set(EXPECTED) >= {"text_classification", "multi_head_classification",
                             "document_classification", "token_tagging", "text_regression",
                             "span_extraction", "relation_extraction"}


@pytest.mark.parametrize("name", ["text_classification", "pair_classification"])
def test_classifiers(name, tmp_path):
    expected = EXPECTED[name]
    predictor = load(name, tmp_path)
    assert predictor.task == "text_classification"
    args = (expected["texts"],) + ((expected["second_texts"],) if "second_texts" in expected
                                   else ())
    np.testing.assert_allclose(predictor.predict_proba(*args), expected["proba"], atol=1e-5)
    assert predictor.predict(*args) == expected["labels"]


def test_multi_head(tmp_path):
    expected = EXPECTED["multi_head_classification"]
    predictor = load("multi_head_classification", tmp_path)
    details = predictor.predict_details(expected["texts"])
    for got, want in zip(details, expected["details"]):
        assert {h: d["label"] for h, d in got.items()} == {h: d["label"]
                                                          for h, d in want.items()}
        for head in want:
            assert got[head]["probabilities"] == pytest.approx(want[head]["probabilities"],
                                                               abs=1e-5)


def test_document(tmp_path):
    expected = EXPECTED["document_classification"]
    predictor = load("document_classification", tmp_path)
    np.testing.assert_allclose(predictor.predict_proba(expected["texts"]), expected["proba"],
                               atol=1e-5)


def test_tagging(tmp_path):
    expected = EXPECTED["token_tagging"]
    assert load("token_tagging", tmp_path).predict(expected["texts"]) == expected["entities"]


def test_regression(tmp_path):
    expected = EXPECTED["text_regression"]
    scores = load("text_regression", tmp_path).predict(expected["texts"],
                                                       expected["second_texts"])
    np.testing.assert_allclose(np.asarray(scores), expected["scores"], atol=1e-5)


def test_span_extraction(tmp_path):
    expected = EXPECTED["span_extraction"]
    answers = load("span_extraction", tmp_path).predict(expected["queries"], expected["texts"])
    for got, want in zip(answers, expected["answers"]):
        assert {k: got[k] for k in ("answer", "start", "end")} == {
            k: want[k] for k in ("answer", "start", "end")}
        assert got["score"] == pytest.approx(want["score"], abs=1e-4)


def test_relation_extraction(tmp_path):
    expected = EXPECTED["relation_extraction"]
    assert load("relation_extraction", tmp_path).predict(expected["texts"]) == \
        expected["triples"]
