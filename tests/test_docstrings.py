"""Every example in bertkit's docstrings runs (the tokenizer's, which need a vocabulary folder
set up, run in tests/test_tokenizer.py)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import bertkit

MODULES = sorted(info.name for info in pkgutil.walk_packages(bertkit.__path__, "bertkit.")
                 if not info.name.startswith("bertkit.tokenization")
                 and info.name != "bertkit.__main__")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
