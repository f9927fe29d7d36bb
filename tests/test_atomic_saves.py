"""Saves replace a predictor (or backbone) directory as a whole, and loads check that a config
and its files belong together.

The fault-injection tests save predictor A, then save predictor B over it in a forked child that
is killed (SIGKILL) just before its k-th file operation that changes the directories, for every
k, and after a range of delays; after each kill, `bertkit.load_predictor` must give A's outputs
exactly or B's exactly (never A's labels with B's weights), the files beside the predictor must
survive, and the next save must clean up what the killed one left.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import shutil
import signal
import time
from pathlib import Path

import keras
import numpy as np
import pytest

import bertkit
import bertkit._io
from bertkit.data import LabelMap
from bertkit.errors import CheckpointError, CheckpointNotFoundError
from bertkit.tasks import ChunkAggregator, DocumentChunker, DocumentPredictor, TextClassifier

FIXTURES = Path(__file__).parent / "fixtures" / "saved_predictors"
TEXTS = ["今天天气很好", "股市大跌了", "good film", "球赛好看"]
#: files beside a predictor that are not part of it (train_and_save writes such)
FOREIGN = {"validation.json": '{"accuracy": 0.5}', "checkpoint/state.json": '{"epoch": 2}'}


def tiny_classifier(vocab_size: int, seed: int) -> TextClassifier:
    keras.utils.set_random_seed(seed)
    backbone = bertkit.BertBackbone(vocab_size=vocab_size, hidden_size=16, num_layers=1,
                                    num_heads=2, intermediate_size=32,
                                    max_position_embeddings=128)
    model = TextClassifier(backbone, num_classes=2, pooling="mean")
    rng = np.random.default_rng(seed)
    model.set_weights([w + 0.5 * rng.standard_normal(w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    return model


@pytest.fixture(scope="module")
def predictors(tmp_path_factory):
    """``{"A": ..., "B": ..., "doc": ...}``: A and B are 2-class classifiers with the same
    shapes but different labels, weights and tokenizer settings; doc a document classifier of
    the same shapes with an aggregator (an extra weight file)."""
    vocab = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    shutil.copy(FIXTURES / "text_classification" / "vocab.txt", vocab)
    wordpiece = bertkit.Tokenizer.from_vocab(vocab)
    chars = bertkit.Tokenizer.from_vocab(vocab, mode="char")
    n = wordpiece.vocab_size
    a = bertkit.Predictor(tiny_classifier(n, 1), wordpiece, LabelMap(["neg", "pos"]), max_len=32)
    b = bertkit.Predictor(tiny_classifier(n, 2), chars, LabelMap(["bad", "good"]), max_len=32)
    keras.utils.set_random_seed(3)
    aggregator = ChunkAggregator(16, 2, method="attention", units=8)
    aggregator({"chunk_vectors": np.zeros((1, 2, 16), "float32"),
                "chunk_mask": np.ones((1, 2), bool)})
    doc = DocumentPredictor(tiny_classifier(n, 4), wordpiece, LabelMap(["short", "long"]),
                            DocumentChunker(wordpiece, 8, strategy="chunks", overlap=2),
                            aggregator)
    return {"A": a, "B": b, "doc": doc}


def outputs(predictor) -> tuple:
    """What tells predictors apart: the task, the labels, the model's exact logits on TEXTS
    (through the predictor's tokenizer) and any extra weights (the document aggregator's)."""
    batch = predictor.encode_texts(TEXTS, None, np.arange(len(TEXTS)))
    logits = keras.ops.convert_to_numpy(predictor.model(batch, training=False))
    extra = tuple(w.tobytes() for model in predictor.extra_weights().values()
                  for w in model.get_weights())
    return predictor.task, tuple(predictor.labels), logits.tobytes(), extra


@pytest.fixture(scope="module")
def expected(predictors):
    return {name: outputs(p) for name, p in predictors.items()}


def save_with_foreign_files(predictor, target: Path) -> None:
    predictor.save(target)
    for name, text in FOREIGN.items():
        (target / name).parent.mkdir(exist_ok=True)
        (target / name).write_text(text)


def which(directory: Path, expected: dict, allowed: tuple[str, ...]) -> str:
    """The name of the predictor ``directory`` loads as (one of ``allowed``), or ``"error"`` for
    a clear bertkit error; a mix of two fails the test."""
    try:
        loaded = bertkit.load_predictor(directory)
    except (CheckpointError, CheckpointNotFoundError) as err:
        assert str(directory) in str(err) or directory.name in str(err), err
        return "error"
    got = outputs(loaded)
    for name in allowed:
        if got == expected[name]:
            return name
    raise AssertionError(f"{directory} loads as a mix: {got[:2]}, not one of {allowed}")


def leftovers(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if p.name != target.name)


# ---- the fault injection ------------------------------------------------------------------------

#: the operations that change what a directory holds (a kill just before an fsync or a read
#: leaves the same files as one just before the next of these); safetensors' own writes (in
#: Rust) are not seen here, the timed kills below land inside them too
_COUNTED = [(os, "mkdir"), (os, "rename"), (os, "replace"), (os, "link"), (os, "symlink"),
            (os, "unlink"), (os, "remove"), (os, "rmdir"), (builtins, "open"), (io, "open"),
            (bertkit._io, "_exchange")]


def _writes(function, args, kwargs) -> bool:
    if function.__name__ != "open":
        return True
    mode = args[1] if len(args) > 1 else kwargs.get("mode", "r")
    return any(c in mode for c in "wax+")


def _count_file_operations(kill_at: int | None) -> list[int]:
    """In a child: count the file operations, and SIGKILL this process just before the
    ``kill_at``-th one."""
    count = [0]

    def hooked(function):
        def call(*args, **kwargs):
            if _writes(function, args, kwargs):
                count[0] += 1
                if count[0] == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
            return function(*args, **kwargs)
        return call

    for module, name in _COUNTED:
        if hasattr(module, name):  # bertkit._io._exchange: not in every version
            setattr(module, name, hooked(getattr(module, name)))
    return count


def save_in_child(predictor, target: Path, kill_at: int | None = None,
                  kill_after: float | None = None, report: Path | None = None) -> bool:
    """Save ``predictor`` to ``target`` in a forked child; True if the child was killed."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: save, never return into pytest
        code = 3
        try:
            os.close(read)
            count = _count_file_operations(kill_at)
            os.write(write, b"go")
            predictor.save(target)
            if report is not None:
                report.write_text(str(count[0]))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    assert os.read(read, 2) == b"go"
    os.close(read)
    if kill_after is not None:
        time.sleep(kill_after)
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the saving child hung")
        time.sleep(0.002)
    status = done[1]
    assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0, status
    return os.WIFSIGNALED(status)


@pytest.mark.parametrize("swap, new", [("exchange", "B"), ("rename", "B"),
                                       ("exchange", "doc")])
def test_a_save_killed_at_any_file_operation_never_leaves_a_mix(predictors, expected, tmp_path,
                                                                monkeypatch, swap, new):
    """``exchange``: renameat2(RENAME_EXCHANGE) where the system has it; ``rename``: the
    fallback (old directory renamed away, new one in, old one deleted). ``doc``: the new
    predictor has an extra weight file."""
    if swap == "rename":
        monkeypatch.setattr(bertkit._io, "_exchange", lambda a, b: False, raising=False)
    pristine = tmp_path / "A" / "pred"
    save_with_foreign_files(predictors["A"], pristine)
    report = tmp_path / "count"
    shutil.copytree(pristine, tmp_path / "dry" / "pred")
    assert not save_in_child(predictors[new], tmp_path / "dry" / "pred", report=report)
    operations = int(report.read_text())
    assert operations >= 5
    seen, left = {}, {}
    for k in range(1, operations + 1):
        target = tmp_path / f"k{k}" / "pred"
        shutil.copytree(pristine, target)
        assert save_in_child(predictors[new], target, kill_at=k)
        seen[k] = which(target, expected, ("A", new))
        assert seen[k] != "error", f"killed before file operation {k}: {seen[k]}"
        for name, text in FOREIGN.items():
            assert (target / name).read_text() == text, (k, name)
        left[k] = leftovers(target)
    outcomes = list(seen.values())
    # before the swap A, after it the new predictor, and nothing else in between
    assert outcomes == sorted(outcomes, key=("A", new).index), seen
    assert outcomes[0] == "A" and outcomes[-1] == new, seen
    # the next save finishes or clears what a killed one left
    for k in [k for k in left if left[k]][::2] + [operations]:
        target = tmp_path / f"k{k}" / "pred"
        predictors["A"].save(target)
        assert leftovers(target) == [], k
        assert (target / "validation.json").read_text() == FOREIGN["validation.json"]
    assert which(target, expected, ("A",)) == "A"


def test_a_save_killed_after_a_range_of_delays_never_leaves_a_mix(predictors, expected,
                                                                   tmp_path):
    target = tmp_path / "timing" / "pred"
    save_with_foreign_files(predictors["A"], target)
    start = time.perf_counter()
    save_in_child(predictors["B"], target)
    duration = time.perf_counter() - start
    seen = []
    for i in range(12):
        target = tmp_path / f"d{i}" / "pred"
        save_with_foreign_files(predictors["A"], target)
        save_in_child(predictors["B"], target, kill_after=duration * i / 10)
        seen.append(which(target, expected, ("A", "B")))
        assert (target / "validation.json").read_text() == FOREIGN["validation.json"]
    assert "error" not in seen, seen


# ---- interrupted fallback saves, leftovers, mixed files -----------------------------------


def test_the_loader_finishes_a_save_killed_between_its_two_renames(predictors, expected,
                                                                   tmp_path):
    target = tmp_path / "pred"
    predictors["A"].save(target)
    staging = tmp_path / ".pred.bertkit-saving-999999999-0a1b2c3d"
    predictors["B"].save(staging)  # a complete new save, not yet renamed in
    target.rename(tmp_path / ".pred.bertkit-old-999999999-0a1b2c3d")
    assert which(target, expected, ("A", "B")) == "B"
    assert leftovers(target) == [".pred.bertkit-old-999999999-0a1b2c3d"]
    predictors["A"].save(target)  # the next save deletes the rest
    assert leftovers(target) == []


def test_a_save_during_a_load_makes_it_load_again(predictors, expected, tmp_path, monkeypatch):
    """A's config read and A's hashes checked, then B saved over it before the weights are
    read: the load must start again (B), not run A's config on B's weights."""
    import bertkit.prediction.base

    target = tmp_path / "pred"
    predictors["A"].save(target)
    real, calls = bertkit.prediction.base.load_model_weights, []

    def racing(model, path):
        if not calls:
            predictors["B"].save(target)  # as another process would
        calls.append(path)
        real(model, path)

    monkeypatch.setattr(bertkit.prediction.base, "load_model_weights", racing)
    assert which(target, expected, ("A", "B")) == "B"
    assert len(calls) == 2


def test_a_leftover_directory_is_not_taken_for_a_predictor(predictors, tmp_path):
    leftover = tmp_path / ".pred.bertkit-saving-999999999-0a1b2c3d"
    predictors["A"].save(leftover)
    with pytest.raises(CheckpointError,
                       match=r"interrupted save of .*pred, not a predictor; load .*pred"):
        bertkit.load_predictor(leftover)


@pytest.mark.parametrize("name", ["model.safetensors", "tokenizer_config.json"])
def test_files_of_another_save_are_refused(predictors, tmp_path, name):
    predictors["A"].save(tmp_path / "a")
    predictors["B"].save(tmp_path / "b")
    shutil.copy(tmp_path / "b" / name, tmp_path / "a" / name)
    with pytest.raises(CheckpointError, match=rf"a/{name}: .*(interrupted|mixes)"):
        bertkit.load_predictor(tmp_path / "a")


def test_a_truncated_file_is_named(predictors, tmp_path):
    predictors["doc"].save(tmp_path / "doc")
    path = tmp_path / "doc" / "aggregator.safetensors"
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(CheckpointError, match=r"aggregator.safetensors: .*truncated"):
        bertkit.load_predictor(tmp_path / "doc")


def test_saving_a_plain_predictor_over_a_document_one_drops_its_aggregator(predictors, expected,
                                                                           tmp_path):
    save_with_foreign_files(predictors["doc"], tmp_path / "pred")
    predictors["A"].save(tmp_path / "pred")
    assert sorted(p.name for p in (tmp_path / "pred").iterdir()) == sorted(
        ["checkpoint", "model.safetensors", "predictor.json", "tokenizer.json",
         "tokenizer_config.json", "validation.json", "vocab.txt"])
    assert which(tmp_path / "pred", expected, ("A",)) == "A"


def test_a_save_without_hashes_still_loads(predictors, expected, tmp_path):
    predictors["A"].save(tmp_path / "pred")
    config = json.loads((tmp_path / "pred" / "predictor.json").read_text())
    config.pop("files", None)
    (tmp_path / "pred" / "predictor.json").write_text(json.dumps(config))
    assert which(tmp_path / "pred", expected, ("A",)) == "A"


def test_a_directory_that_cannot_be_renamed_is_written_in_place(predictors, expected, tmp_path,
                                                               monkeypatch, capsys):
    import errno

    def busy(a, b):  # as for a mount point
        raise OSError(errno.EBUSY, "Device or resource busy", b)

    save_with_foreign_files(predictors["A"], tmp_path / "pred")
    monkeypatch.setattr(bertkit._io, "_exchange", busy)
    predictors["B"].save(tmp_path / "pred")
    assert "writing into it in place" in capsys.readouterr().err
    assert which(tmp_path / "pred", expected, ("B",)) == "B"
    assert leftovers(tmp_path / "pred") == []
    assert (tmp_path / "pred" / "validation.json").exists()


# ---- backbones ----------------------------------------------------------------------------------


@pytest.mark.parametrize("swap", ["exchange", "rename"])
def test_backbone_saves_are_atomic_and_checked(predictors, tmp_path, monkeypatch, swap):
    if swap == "rename":
        monkeypatch.setattr(bertkit._io, "_exchange", lambda a, b: False, raising=False)
    a, b = (predictors[n].model.backbone for n in ("A", "B"))
    tokenizer = predictors["A"].tokenizer
    target = tmp_path / "dry" / "bb"
    bertkit.save_backbone(a, str(target), tokenizer=tokenizer)
    report = tmp_path / "count"
    assert not save_in_child(_BackboneSave(b, tokenizer), target, report=report)
    expected = {"A": a.get_weights(), "B": b.get_weights()}
    seen = []
    for k in range(1, int(report.read_text()) + 1, 2):
        target = tmp_path / f"k{k}" / "bb"
        bertkit.save_backbone(a, str(target), tokenizer=tokenizer)
        assert save_in_child(_BackboneSave(b, tokenizer), target, kill_at=k)
        got = bertkit.load_backbone(target).get_weights()
        matches = [n for n, w in expected.items()
                   if all(np.array_equal(x, y) for x, y in zip(got, w))]
        assert len(matches) == 1, k
        seen.append(matches[0])
    assert seen[0] == "A" and seen[-1] == "B" and seen == sorted(seen), seen
    # a weight file from another save is refused
    bertkit.save_backbone(a, str(target), tokenizer=tokenizer)
    bertkit.save_backbone(b, str(tmp_path / "other"))
    shutil.copy(tmp_path / "other" / "backbone.safetensors", target / "backbone.safetensors")
    with pytest.raises(CheckpointError, match=r"backbone.safetensors: its SHA-256"):
        bertkit.load_backbone(target)


class _BackboneSave:
    """``save(target)`` saves a backbone, as `save_in_child` calls predictors'."""

    def __init__(self, backbone, tokenizer):
        self.backbone, self.tokenizer = backbone, tokenizer

    def save(self, target):
        bertkit.save_backbone(self.backbone, str(target), tokenizer=self.tokenizer)


def test_a_backbone_save_during_a_load_makes_it_load_again(predictors, tmp_path, monkeypatch):
    import bertkit.weights.native

    a, b = (predictors[n].model.backbone for n in ("A", "B"))
    target = tmp_path / "bb"
    bertkit.save_backbone(a, str(target))
    real, calls = bertkit.weights.native.read_safetensors, []

    def racing(path):
        if not calls:
            bertkit.save_backbone(b, str(target))
        calls.append(path)
        return real(path)

    monkeypatch.setattr(bertkit.weights.native, "read_safetensors", racing)
    got = bertkit.load_backbone(target).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(got, b.get_weights())) and len(calls) == 2
