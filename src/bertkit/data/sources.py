"""Load labelled texts from folders, CSV/TSV/JSON-lines files, DataFrames or plain lists.

:func:`load_examples` is the one entry point; it returns :class:`~bertkit.data.TextExamples`.

Sources:

* a **folder** with one sub-folder per class holding ``.txt`` files (THUCNews:
  ``root/体育/123.txt``), or the IMDb ``aclImdb`` layout with ``train/`` and ``test/`` levels
  (``root/train/pos/*.txt``; ``unsup/`` is ignored). With split levels, ``train`` is loaded
  unless ``split="test"`` is given. Each file is one example, its text stripped.
* a **CSV** (``.csv``), **TSV** (``.tsv``, or ``.txt`` with tabs) file with a header row naming
  the columns; TSV fields are split on tabs with no quoting. Integer ``text_column`` /
  ``label_column`` read a file *without* a header by column position.
* a **JSON-lines** file (``.jsonl``, ``.ndjson``, or ``.json`` holding one object per line), or a
  ``.json`` file holding one array of objects.
* a **pandas DataFrame** (or a ``dict`` of columns).
* ``(texts, labels)`` or ``(texts, second_texts, labels)`` of lists, or a list of texts
  (unlabelled).

Multi-label data: a JSON list (``"label": ["sport", "politics"]``) is multi-label as is; in a
CSV/TSV or DataFrame column, pass ``multi_label=True`` to split strings on ``label_separator``
(``"sport|politics"``).

Bad rows (empty text or label, wrong number of fields, bad JSON, bytes that are not valid in
``encoding``, a label outside ``labels=``) raise :class:`~bertkit.data.DataError` naming the file
and line (``"reviews.csv line 17: the text is empty; ..."``), or with ``on_bad_rows="skip"`` are
dropped, counted in ``TextExamples.skipped`` and reported in one warning.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "reviews.csv")
>>> with open(path, "w", encoding="utf-8") as f:
...     _ = f.write('text,label\\n"Great, really",pos\\nAwful,neg\\n')
>>> ex = load_examples(path)
>>> ex.texts, ex.labels
(['Great, really', 'Awful'], ['pos', 'neg'])
"""

from __future__ import annotations

from typing import Any, Sequence

from bertkit.data.files import FORMATS, detect_format
from bertkit.data.folders import load_folder
from bertkit.data.multi_head import load_multi_head_examples
from bertkit.data.text_sources import load_text_examples

__all__ = ["load_examples", "load_folder", "detect_format", "FORMATS"]


def load_examples(
    source: Any,
    *,
    text_column: str | int = "text",
    label_column: str | int | None = "label",
    second_column: str | int | None = None,
    labels: Sequence[Any] | None = None,
    on_bad_rows: str = "error",
    encoding: str = "utf-8",
    multi_label: bool | None = None,
    label_separator: str = "|",
    format: str | None = None,
    split: str | None = None,
    label_columns: Sequence[str | int] | None = None,
    encoding_errors: str = "strict",
) -> Any:
    """Load labelled (or unlabelled) texts from a folder, file, DataFrame or lists.

    Args:
        source: a class folder (see :func:`load_folder`), a ``.csv``/``.tsv``/``.jsonl``/``.json``
            file, a pandas DataFrame or dict of columns, ``(texts, labels)``,
            ``(texts, second_texts, labels)``, or a list of texts (unlabelled).
        text_column, label_column, second_column: column names (keys of JSON objects); ints
            for a CSV/TSV file without a header. ``label_column=None``: unlabelled texts.
            ``second_column``: the second text of sentence pairs.
        labels: the allowed label names; rows with another label are bad rows.
        on_bad_rows: ``"error"`` (raise :class:`DataError` naming the file and line) or
            ``"skip"`` (drop, count in ``.skipped``, warn once).
        encoding: the text encoding of files (``"utf-8"``, ``"gbk"``, ``"latin-1"``...); a
            leading BOM is dropped.
        encoding_errors: ``"strict"``: bytes that are not valid in ``encoding`` make a bad
            row; ``"replace"``: they are read as ``"\ufffd"`` (stray bytes in scraped text).
        multi_label: ``True`` splits string labels on ``label_separator`` (``"a|b"``); ``None``
            makes JSON lists multi-label and leaves strings whole.
        format: force a file format (``"csv"``, ``"tsv"``, ``"jsonl"``, ``"json"``,
            ``"lines"``: one unlabelled text per line) instead of guessing from the extension.
        split: for a folder with ``train/`` and ``test/`` levels, which to load (``"train"``).
        label_columns: several label columns, one per head of a multi-head model
            (``["category", "sentiment"]``): returns
            :class:`~bertkit.data.multi_head.MultiHeadExamples`, where a blank cell is a
            missing label (see :func:`~bertkit.data.multi_head.load_multi_head_examples`).

    >>> ex = load_examples((["很好", "太差了"], [1, 0]))
    >>> ex.labels
    ['1', '0']
    >>> load_examples(["just", "texts"]).labels is None
    True
    """
    if label_columns is not None:
        return load_multi_head_examples(
            source, label_columns, text_column=text_column, second_column=second_column,
            on_bad_rows=on_bad_rows, encoding=encoding, multi_label=multi_label,
            label_separator=label_separator, format=format, encoding_errors=encoding_errors)
    return load_text_examples(
        source, text_column=text_column, label_column=label_column, second_column=second_column,
        labels=labels, on_bad_rows=on_bad_rows, encoding=encoding, multi_label=multi_label,
        label_separator=label_separator, format=format, split=split,
        encoding_errors=encoding_errors)
