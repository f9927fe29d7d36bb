"""build_dataset: a class-folder tree -> seeded train/dev/test files that training streams."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import keras
import pytest

import bertkit
from bertkit import Learner, StreamingExamples, TextClassifier
from bertkit.data import DataError, build_dataset, load_examples
from bertkit.data.build import shuffle_lines
from conftest import TINY_TF

SRC = str(Path(__file__).resolve().parents[1] / "src")
CLASSES = {"体育": "球队 比赛 进球 冠军 教练", "财经": "股市 基金 利率 银行 投资",
           "科技": "手机 芯片 软件 互联网 电脑"}


def make_tree(root: Path, per_class: int = 100, seed: int = 0) -> dict[str, str]:
    """THUCNews-like folders of tiny multi-line files; returns {relative path: cleaned text}."""
    rng = random.Random(seed)
    written = {}
    for label, words in CLASSES.items():
        folder = root / label
        folder.mkdir(parents=True)
        for i in range(per_class):
            w = words.split()
            text = f"{rng.choice(w)}{i}\n\n  {rng.choice(w)}\t{rng.choice(w)}\u3000新闻 "
            (folder / f"{i}.txt").write_text(text, encoding="utf-8")
            written[f"{label}/{i}.txt"] = " ".join(text.split())
    return written


def read_rows(path: str) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as f:
        assert f.readline() == "label\ttext\n"
        return [tuple(line.rstrip("\n").split("\t")) for line in f]


def test_every_file_lands_once_cleaned_in_a_seeded_mixed_split(tmp_path):
    texts = make_tree(tmp_path / "news")
    summary = build_dataset(tmp_path / "news", tmp_path / "out", seed=3, progress=False)
    rows = {s: read_rows(summary.paths[s]) for s in ("train", "dev", "test")}
    everything = [r for split in rows.values() for r in split]
    assert sorted(t for _, t in everything) == sorted(texts.values())  # each file exactly once
    assert all("\n" not in t and "\t" not in t and "  " not in t for _, t in everything)
    assert len(rows["train"]) > 200 and len(rows["dev"]) > 10 and len(rows["test"]) > 10
    assert summary.counts["train"] == {label: sum(1 for y, _ in rows["train"] if y == label)
                                       for label in sorted(CLASSES)}
    # Classes are interleaved, not written one folder after another.
    first_labels = {label for label, _ in rows["train"][:30]}
    assert first_labels == set(CLASSES)
    # Labels list and dataset.json; no leftovers of the build.
    assert (tmp_path / "out" / "labels.txt").read_text(encoding="utf-8").split() == \
        sorted(CLASSES)
    info = json.loads((tmp_path / "out" / "dataset.json").read_text(encoding="utf-8"))
    assert info["counts"] == summary.counts and info["seed"] == 3
    assert sorted(os.listdir(tmp_path / "out")) == sorted(
        ["train.tsv", "dev.tsv", "test.tsv", "labels.txt", "dataset.json"])
    # Same seed: the same split; the split of a file does not depend on the other files.
    again = build_dataset(tmp_path / "news", tmp_path / "again", seed=3, progress=False)
    assert read_rows(again.paths["dev"]) == rows["dev"]
    (tmp_path / "news" / "体育" / "0.txt").unlink()
    fewer = build_dataset(tmp_path / "news", tmp_path / "fewer", seed=3, progress=False)
    assert sorted(read_rows(fewer.paths["test"])) == sorted(
        r for r in rows["test"] if r[1] != texts["体育/0.txt"])
    other = build_dataset(tmp_path / "news", tmp_path / "other", seed=4, progress=False)
    assert sorted(read_rows(other.paths["dev"])) != sorted(rows["dev"])


def test_streaming_training_and_jsonl_read_the_built_files(tmp_path):
    make_tree(tmp_path / "news", per_class=40)
    summary = build_dataset(tmp_path / "news", tmp_path / "out", splits=(0.7, 0.3, 0.0),
                            progress=False)
    stream = StreamingExamples(summary.paths["train"])
    assert len(stream) == sum(summary.counts["train"].values())
    assert stream.label_names() == summary.labels
    assert read_rows(summary.paths["test"]) == []
    keras.utils.set_random_seed(0)
    model = TextClassifier(bertkit.load_backbone(TINY_TF), num_classes=3, pooling="mean")
    learner = Learner(model, bertkit.load_tokenizer(TINY_TF), stream,
                      load_examples(summary.paths["dev"]), batch_size=16, max_len=32)
    history = learner.fit(2e-3, epochs=3, verbose=0)
    assert history["val_accuracy"][-1] > 0.6  # three word lists: easy once it streams right

    as_jsonl = build_dataset(tmp_path / "news", tmp_path / "jsonl", splits=(0.7, 0.3, 0.0),
                             format="jsonl", progress=False)
    assert as_jsonl.paths["train"].endswith("train.jsonl")
    assert len(load_examples(as_jsonl.paths["train"])) == len(stream)


def test_undecodable_or_empty_files_are_named_or_skipped_and_nothing_is_left_half_written(
        tmp_path):
    make_tree(tmp_path / "news", per_class=5)
    bad = tmp_path / "news" / "财经" / "bad.txt"
    bad.write_bytes("正常的一行\n第二行".encode("utf-8") + b"\xff\xfe")
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"bad\.txt line 2: .*on_bad_files='skip'"):
        build_dataset(tmp_path / "news", out, progress=False)
    (tmp_path / "news" / "科技" / "empty.txt").write_text(" \n\t", encoding="utf-8")
    with pytest.raises(DataError, match=r"empty\.txt: the file holds no text"):
        build_dataset(tmp_path / "news", out, progress=False)
    assert os.listdir(out) == []  # nothing half-written
    with pytest.warns(UserWarning, match="skipped 2 bad files"):
        summary = build_dataset(tmp_path / "news", out, on_bad_files="skip", progress=False)
    assert summary.skipped == 2 and summary.total == 15
    with pytest.raises(DataError, match="no class sub-folders"):
        build_dataset(tmp_path / "news" / "体育", tmp_path / "x", progress=False)
    with pytest.raises(DataError, match="summing to 1"):
        build_dataset(tmp_path / "news", tmp_path / "x", splits=(0.8, 0.3, 0.1))


def test_external_shuffle_keeps_every_line_in_bounded_memory(tmp_path):
    path = tmp_path / "rows.tsv"
    lines = [f"{i % 7}\ttext number {i}\n" for i in range(3000)]
    path.write_text("label\ttext\n" + "".join(lines), encoding="utf-8")
    shuffle_lines(str(path), random.Random(0), "label\ttext\n", max_bytes=4096)  # 20+ buckets
    out = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert out[0] == "label\ttext\n"
    assert sorted(out[1:]) == sorted(lines) and out[1:] != lines
    assert [p.name for p in tmp_path.iterdir()] == ["rows.tsv"]


def test_cli_build_dataset_then_train_streaming(tmp_path):
    make_tree(tmp_path / "news", per_class=12)
    env = {**os.environ, "PYTHONPATH": SRC, "KERAS_BACKEND": "torch"}
    done = subprocess.run([sys.executable, "-m", "bertkit", "build-dataset", str(tmp_path / "news"),
                           str(tmp_path / "out"), "--splits", "0.5", "0.5", "0", "--seed", "1"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "36 examples in 3 classes" in done.stdout and "reading: 36 files" in done.stderr
    done = subprocess.run([sys.executable, "-m", "bertkit", "train", "--stream", "--data",
                           str(tmp_path / "out" / "train.tsv"), "--out", str(tmp_path / "m")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2 and "--valid" in done.stderr
