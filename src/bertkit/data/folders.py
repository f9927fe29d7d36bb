"""Class folders: ``root/<label>/*.txt``, one example per file (THUCNews, IMDb's ``aclImdb``)."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any, Sequence

from bertkit.data.examples import TextExamples
from bertkit.data.files import check_encoding, check_path, file_decode_problem
from bertkit.data.labels import LabelProblem, clean_label
from bertkit.data.rows import RowCleaner, RowProblem, SkipLog
from bertkit.errors import DataError, DataNotFoundError

__all__ = ["load_folder"]


def _natural_key(name: str) -> list[Any]:
    """Sort key putting ``"2.txt"`` before ``"10.txt"``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _subfolders(path: Path) -> list[Path]:
    """The visible sub-folders of ``path`` (not ``.hidden`` or ``_private``), in natural order."""
    return sorted(
        (p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))),
        key=lambda p: _natural_key(p.name),
    )


def load_folder(
    root: str | os.PathLike[str],
    split: str | None = None,
    *,
    labels: Sequence[Any] | None = None,
    on_bad_rows: str = "error",
    encoding: str = "utf-8",
    ignore: Sequence[str] = ("unsup",),
    extensions: Sequence[str] = (".txt",),
    encoding_errors: str = "strict",
) -> TextExamples:
    """Texts from class folders: ``root/<label>/*.txt``, one example per file.

    With split levels (``root/train/<label>/``, ``root/test/<label>/``, the IMDb ``aclImdb``
    layout) ``split`` picks one, ``"train"`` by default. Folders named in ``ignore`` (IMDb's
    unlabelled ``unsup``) and hidden folders are left out; files other than ``extensions`` are
    ignored. Classes come in sorted order, files in natural order (``2.txt`` before ``10.txt``).
    ``encoding`` and ``encoding_errors`` are those of :func:`~bertkit.data.load_examples`.

    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> for label, name, text in [("体育", "1.txt", "球赛"), ("财经", "2.txt", "股市 ")]:
    ...     os.makedirs(os.path.join(root, label), exist_ok=True)
    ...     with open(os.path.join(root, label, name), "w", encoding="utf-8") as f:
    ...         _ = f.write(text)
    >>> ex = load_folder(root)
    >>> ex.texts, ex.labels
    (['球赛', '股市'], ['体育', '财经'])
    """
    root = check_path(root)
    if not root.is_dir():
        raise DataError(f"{root} is not a folder; load_folder reads root/<label>/*.txt")
    check_encoding(encoding, encoding_errors)
    log = SkipLog(on_bad_rows, str(root))
    cleaner = RowCleaner(has_second=False, has_label=True, multi_label=False,
                         label_separator="", labels=labels)
    folders = _subfolders(root)
    names = [p.name for p in folders]
    if split is not None:
        if split not in names:
            raise DataNotFoundError(
                f"{root} has no {split!r} folder; its folders are {names}"
            )
        base = root / split
    elif "train" in names and _subfolders(root / "train"):
        base = root / "train"
    else:
        base = root
    exts = tuple(e.lower() for e in extensions)
    classes = []
    for folder in _subfolders(base):
        if folder.name in ignore:
            warnings.warn(
                f"{base}: ignored the folder {folder.name!r} (unlabelled examples); pass ignore=() "
                f"to load it as a class",
                stacklevel=2,
            )
            continue
        classes.append(folder)
    if not classes:
        loose = [p.name for p in base.iterdir() if p.suffix.lower() in exts][:3]
        hint = (
            f" It holds files such as {loose}: put each class's files in a sub-folder named "
            f"after the class" if loose else ""
        )
        raise DataError(f"{base} has no class sub-folders (root/<label>/*.txt).{hint}")
    texts: list[str] = []
    out_labels: list[str] = []
    for folder in classes:
        try:
            label = clean_label(folder.name, multi_label=False)
        except LabelProblem as exc:  # pragma: no cover - a folder name is never empty
            raise DataError(f"{folder}: {exc}") from None
        files = sorted(
            (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in exts),
            key=lambda p: _natural_key(p.name),
        )
        if cleaner.allowed is not None and label not in cleaner.allowed:
            for p in files or [folder]:
                log.bad(str(p), cleaner.unknown(label).replace("Fix the row", "Remove the folder"))
            continue
        if not files:
            others = [p.name for p in folder.iterdir()][:3]
            warnings.warn(
                f"{folder}: no {'/'.join(exts)} files in this class folder"
                + (f" (it holds {others})" if others else ""),
                stacklevel=2,
            )
        for p in files:
            raw = p.read_bytes()
            try:
                text = raw.decode(encoding, encoding_errors)
            except UnicodeDecodeError as exc:
                line, problem = file_decode_problem(raw, exc, encoding)
                log.bad(f"{p} line {line}", problem)
                continue
            try:
                text, _, _ = cleaner.clean(text.lstrip("\ufeff"), None, label)
            except RowProblem as exc:
                log.bad(str(p), str(exc))
                continue
            texts.append(text)
            out_labels.append(label)
    if not texts:
        raise log.nothing_left("files")
    log.warn()
    return TextExamples._trusted(texts, out_labels, None, log.count)
