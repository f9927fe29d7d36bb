"""`build_dataset`: turn a THUCNews-sized class-folder tree into train/dev/test files, once.

``root/<label>/**/*.txt`` (one example per file; ~840k files for THUCNews) is walked once with
``os.scandir``; each file's text is cleaned onto one line and written to the split that a seeded
hash of its relative path picks (stable, needs no memory: adding files never moves old ones to
another split). Each split file is then shuffled on disk (an external shuffle in bounded memory),
so a :class:`~bertkit.data.StreamingExamples` reading it sees the classes mixed, not one class
after another. Nothing but the current file and the per-label counts is held in memory.

Outputs in ``out_dir``: ``train.tsv``, ``dev.tsv``, ``test.tsv`` (header ``label<TAB>text``; or
``.jsonl`` with ``format="jsonl"``), ``labels.txt`` (one label per line) and ``dataset.json``
(counts per split and label, skipped files, settings). Files are written under
``out_dir/.building`` and moved into place at the end; ``dataset.json`` comes last, so its
presence means the build finished. A failed build leaves nothing behind.

>>> import os, tempfile
>>> root, out = tempfile.mkdtemp(), tempfile.mkdtemp()
>>> for label in ("体育", "财经"):
...     os.makedirs(os.path.join(root, label))
...     for i in range(20):
...         with open(os.path.join(root, label, f"{i}.txt"), "w", encoding="utf-8") as f:
...             _ = f.write(f"第{i}条\\n新闻 正文")
>>> summary = build_dataset(root, out, progress=False)
>>> summary.total, summary.labels
(40, ['体育', '财经'])
>>> from bertkit.data.streaming import StreamingExamples
>>> StreamingExamples(summary.paths["train"]).label_names()
['体育', '财经']
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence, TextIO

from bertkit.data.files import check_encoding, file_decode_problem
from bertkit.data.labels import sorted_label_names
from bertkit.data.progress import Progress
from bertkit.errors import DataError

__all__ = ["build_dataset", "DatasetSummary", "SPLIT_NAMES"]

SPLIT_NAMES = ("train", "dev", "test")
_BUILDING = ".building"
_SHUFFLE_BYTES = 64 << 20  # a split file larger than this is shuffled through bucket files


@dataclass
class DatasetSummary:
    """What `build_dataset` wrote: ``paths`` per split, ``counts[split][label]``, skipped files."""

    out_dir: str
    paths: dict[str, str]
    labels: list[str]
    counts: dict[str, dict[str, int]]
    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    def __str__(self) -> str:
        sizes = ", ".join(f"{s} {sum(c.values())}" for s, c in self.counts.items())
        skipped = f"; skipped {self.skipped} bad files" if self.skipped else ""
        return (f"{self.total} examples in {len(self.labels)} classes -> {self.out_dir} "
                f"({sizes}){skipped} in {self.seconds:.1f}s")


def clean_line(text: str) -> str:
    """The text on one line: every run of whitespace (tabs, newlines, ideographic spaces)
    becomes one space, ends stripped.

    >>> clean_line("  第一段\\n\\n第二段\\t完\\u3000 ")
    '第一段 第二段 完'
    """
    return " ".join(text.split())


def split_of(relative_path: str, seed: int, bounds: Sequence[float]) -> int:
    """Index of the split a file goes to: a seeded hash of its path, uniform in [0, 1)."""
    digest = hashlib.blake2b(f"{seed}\0{relative_path}".encode("utf-8", "surrogatepass"),
                             digest_size=8).digest()
    u = int.from_bytes(digest, "big") / 2.0 ** 64
    for i, bound in enumerate(bounds):
        if u < bound:
            return i
    return len(bounds) - 1


def _check_splits(splits: Sequence[float]) -> list[float]:
    values = [float(s) for s in splits]
    if len(values) != 3 or any(v < 0 for v in values) or not 0.999 <= sum(values) <= 1.001:
        raise DataError(f"splits must be three non-negative fractions (train, dev, test) summing "
                        f"to 1, e.g. (0.8, 0.1, 0.1); got {tuple(splits)!r}")
    total, bounds = 0.0, []
    for v in values:
        total += v
        bounds.append(total)
    bounds[-1] = 1.0
    return bounds


def _class_folders(root: str) -> list[os.DirEntry]:
    with os.scandir(root) as it:
        folders = [e for e in it if e.is_dir() and not e.name.startswith(".")]
    if not folders:
        raise DataError(f"{root} has no class sub-folders; build_dataset reads "
                        f"root/<label>/*.txt (one sub-folder per class)")
    for entry in folders:
        if "\t" in entry.name or "\n" in entry.name or not entry.name.strip():
            raise DataError(f"{entry.path}: a class folder name cannot hold tabs or line "
                            f"breaks or be blank; rename the folder")
    return sorted(folders, key=lambda e: e.name)


def _files(folder: str, extensions: tuple[str, ...]) -> Iterator[os.DirEntry]:
    """Files under ``folder`` (recursively), streamed by ``os.scandir``; hidden entries skipped."""
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    stack.append(entry.path)
                elif entry.name.lower().endswith(extensions):
                    yield entry


def _row(label: str, text: str, fmt: str) -> str:
    if fmt == "tsv":
        return f"{label}\t{text}\n"
    return json.dumps({"label": label, "text": text}, ensure_ascii=False) + "\n"


def _header(fmt: str) -> str:
    return "label\ttext\n" if fmt == "tsv" else ""


def shuffle_lines(path: str, rng: random.Random, header: str = "",
                  max_bytes: int = _SHUFFLE_BYTES) -> None:
    """Shuffle the lines of ``path`` in place, holding at most about ``max_bytes`` in memory.

    Small files are shuffled in memory; larger ones are dealt line by line into random bucket
    files (each about ``max_bytes / 2``), which are shuffled in turn (recursively) and joined.
    ``header`` (the file's first line, kept first) may be given for TSV files.
    """
    size = os.path.getsize(path)
    tmp = path + ".shuffled"
    if size <= max_bytes:
        with open(path, encoding="utf-8", newline="") as f:
            if header:
                f.readline()
            lines = f.readlines()
        rng.shuffle(lines)
        with open(tmp, "w", encoding="utf-8", newline="") as out:
            out.write(header)
            out.writelines(lines)
        os.replace(tmp, path)
        return
    n_buckets = max(2, -(-2 * size // max_bytes))
    bucket_paths = [f"{path}.bucket{i}" for i in range(n_buckets)]
    buckets: list[TextIO] = [open(p, "w", encoding="utf-8", newline="") for p in bucket_paths]
    try:
        with open(path, encoding="utf-8", newline="") as f:
            if header:
                f.readline()
            for line in f:
                buckets[rng.randrange(n_buckets)].write(line)
    finally:
        for b in buckets:
            b.close()
    with open(tmp, "w", encoding="utf-8", newline="") as out:
        out.write(header)
        for p in bucket_paths:
            shuffle_lines(p, rng, max_bytes=max_bytes)
            with open(p, encoding="utf-8", newline="") as b:
                shutil.copyfileobj(b, out)
            os.remove(p)
    os.replace(tmp, path)


@dataclass
class _Tally:
    """What the walk over the class folders found: examples per split and label, files read,
    bad files skipped (and the first few problems)."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {s: {} for s in SPLIT_NAMES})
    files: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)

    def skip(self, problem: str) -> None:
        self.skipped += 1
        if len(self.problems) < 5:
            self.problems.append(problem)


def _read_example(path: str, encoding: str) -> tuple[str, str | None]:
    """``(text on one line, problem or None)`` of one example file."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = clean_line(raw.decode(encoding).lstrip("\ufeff"))
    except UnicodeDecodeError as exc:
        line, decode = file_decode_problem(raw, exc, encoding)
        return "", f"{path} line {line}: {decode}"
    return text, None if text else f"{path}: the file holds no text"


def _write_splits(root: str, folders: list[os.DirEntry], extensions: tuple[str, ...],
                  outs: list[TextIO], *, fmt: str, encoding: str, seed: int,
                  bounds: Sequence[float], on_bad_files: str, bar: Progress) -> _Tally:
    """Walk the class folders once, writing each file's text to the split its path hashes to."""
    tally = _Tally()
    for folder in folders:
        label = folder.name
        for entry in _files(folder.path, extensions):
            tally.files += 1
            bar.update(tally.files, "reading")
            text, problem = _read_example(entry.path, encoding)
            if problem:
                if on_bad_files == "error":
                    raise DataError(f"{problem}. Fix or delete the file, or pass "
                                    f"on_bad_files='skip' (--skip-bad-files) to leave bad "
                                    f"files out")
                tally.skip(problem)
                continue
            k = split_of(os.path.relpath(entry.path, root).replace(os.sep, "/"), seed, bounds)
            outs[k].write(_row(label, text, fmt))
            split_counts = tally.counts[SPLIT_NAMES[k]]
            split_counts[label] = split_counts.get(label, 0) + 1
    bar.update(tally.files, "reading", force=True)
    bar.done()
    return tally


def _check_arguments(root: str, fmt: str, on_bad_files: str, encoding: str) -> None:
    if not os.path.isdir(root):
        raise DataError(f"{root}: no such folder; build_dataset reads root/<label>/*.txt")
    if fmt not in ("tsv", "jsonl"):
        raise DataError(f"format must be 'tsv' or 'jsonl', got {fmt!r}")
    if on_bad_files not in ("error", "skip"):
        raise DataError(f"on_bad_files must be 'error' or 'skip', got {on_bad_files!r}")
    check_encoding(encoding)


def build_dataset(
    root: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    splits: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    *,
    format: str = "tsv",
    encoding: str = "utf-8",
    on_bad_files: str = "error",
    extensions: Sequence[str] = (".txt",),
    shuffle: bool = True,
    progress: bool = True,
) -> DatasetSummary:
    """Walk ``root/<label>/`` once and write seeded train/dev/test files for streaming training.

    Args:
        root: one sub-folder per class holding text files (sub-sub-folders are walked too).
        out_dir: where the split files go (created; existing split files are replaced).
        splits: fractions (train, dev, test) summing to 1; a split may be 0 (its file is then
            written empty, header only).
        seed: decides the split of every file (by a hash of its path) and the shuffled order.
        format: ``"tsv"`` (``label<TAB>text`` with a header row) or ``"jsonl"``.
        encoding: of the input files (a leading BOM is dropped).
        on_bad_files: ``"error"`` stops at a file that cannot be decoded or holds only
            whitespace, naming it; ``"skip"`` leaves such files out, counts them and warns.
        extensions: which files are examples.
        shuffle: shuffle each split file (on disk, bounded memory) so classes are mixed.
        progress: show files read and files/s on stderr: a line rewritten in place on a
            terminal, a logged line every 30 s elsewhere (`bertkit.data.progress`).

    Returns a `DatasetSummary`; train with
    ``Learner(model, tok, StreamingExamples(summary.paths["train"]), ...)``.
    """
    start = time.perf_counter()
    root, out_dir = os.fspath(root), os.fspath(out_dir)
    _check_arguments(root, format, on_bad_files, encoding)
    bounds = _check_splits(splits)
    exts = tuple(e.lower() for e in extensions)
    folders = _class_folders(root)
    names = [f"{s}.{'tsv' if format == 'tsv' else 'jsonl'}" for s in SPLIT_NAMES]
    os.makedirs(out_dir, exist_ok=True)
    building = os.path.join(out_dir, _BUILDING)
    shutil.rmtree(building, ignore_errors=True)  # a build that died mid-way
    os.makedirs(building)
    try:
        outs = [open(os.path.join(building, name), "w", encoding="utf-8", newline="")
                for name in names]
        try:
            for out in outs:
                out.write(_header(format))
            tally = _write_splits(root, folders, exts, outs, fmt=format, encoding=encoding,
                                  seed=seed, bounds=bounds, on_bad_files=on_bad_files,
                                  bar=Progress(progress))
        finally:
            for out in outs:
                out.close()
        if tally.files == tally.skipped:
            raise DataError(f"{root}: no usable {'/'.join(exts)} files in its class folders"
                            + (f" (skipped {tally.skipped} bad files; first: "
                               f"{tally.problems[0]})" if tally.problems else ""))
        if shuffle:
            rng = random.Random(seed)
            for name in names:
                shuffle_lines(os.path.join(building, name), rng, _header(format))
        labels = sorted_label_names({label for c in tally.counts.values() for label in c})
        with open(os.path.join(building, "labels.txt"), "w", encoding="utf-8") as f:
            f.writelines(f"{label}\n" for label in labels)
        summary = DatasetSummary(
            out_dir=out_dir, paths={s: os.path.join(out_dir, name)
                                    for s, name in zip(SPLIT_NAMES, names)},
            labels=labels, counts={s: dict(sorted(c.items())) for s, c in tally.counts.items()},
            skipped=tally.skipped, skipped_examples=tally.problems,
            seconds=time.perf_counter() - start)
        info: dict[str, Any] = {
            "root": os.path.abspath(root), "format": format, "splits": list(splits),
            "seed": seed, "shuffled": shuffle, "labels": labels, "counts": summary.counts,
            "skipped_files": tally.skipped, "skipped_examples": tally.problems,
        }
        for name in [*names, "labels.txt"]:
            os.replace(os.path.join(building, name), os.path.join(out_dir, name))
        with open(os.path.join(building, "dataset.json"), "w", encoding="utf-8") as f:
            json.dump(info, f, indent=2, ensure_ascii=False)
        os.replace(os.path.join(building, "dataset.json"), os.path.join(out_dir, "dataset.json"))
    finally:
        shutil.rmtree(building, ignore_errors=True)
    if tally.skipped:
        warnings.warn(f"{root}: skipped {tally.skipped} bad file{'s' * (tally.skipped != 1)} "
                      f"({'; '.join(tally.problems)}"
                      f"{', ...' if tally.skipped > len(tally.problems) else ''})", stacklevel=2)
    summary.seconds = time.perf_counter() - start
    return summary
