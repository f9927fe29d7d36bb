"""Training from files larger than memory: peak memory must not grow with the corpus.

    python benchmarks/bench_memory.py                       # 10k, 100k and 1M rows
    python benchmarks/bench_memory.py --sizes 10000 100000  # quicker

For each size a TSV file of generated rows (``label<TAB>text``: halves of real THUCNews
headlines of one class recombined, ~25 characters, 10 classes) is written once into
``benchmarks/.cache/``. Then, in a fresh subprocess per size (so each peak is its own):

1. ``StreamingExamples(path)``: ``len()`` (the counting pass) and ``label_names()``;
2. the data pipeline alone: every batch of one epoch of ``StreamingBatches`` (read, validate,
   shuffle buffer of 10,000 rows, tokenize, length-bucket, pad) over the *whole* file: rows/s;
3. a fixed number of training steps (``--steps``) of ``Learner``'s model on the stream with the
   tiny 2-layer Chinese checkpoint (``keras.Model.fit(..., steps_per_epoch=steps)``): the rows/s
   the model consumes.

The child reports its peak RSS (``ru_maxrss``) and its RSS before the data pass; the table
gives the peak per size and the ratio of the largest to the smallest peak (flat: within 10%),
and the pipeline's rows/s against the model's. Writes ``benchmarks/out/memory.json``. On a
shared machine the rates are noisy; memory is not.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache"
OUT = ROOT / "benchmarks" / "out"
TINY = ROOT / "tests" / "fixtures" / "bert_tiny_zh_tf"


def make_corpus(rows: int, seed: int = 0) -> Path:
    path = CACHE / f"memory_{rows}.tsv"
    if path.is_file():
        return path
    from bertkit.datasets import thucnews_headlines

    texts, labels = thucnews_headlines()
    by_label: dict[str, list[str]] = {}
    for text, label in zip(texts, labels):
        by_label.setdefault(label, []).append(text)
    names = sorted(by_label)
    rng = random.Random(seed)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("label\ttext\n")
        for _ in range(rows):
            label = rng.choice(names)
            a, b = rng.choice(by_label[label]), rng.choice(by_label[label])
            f.write(f"{label}\t{a[: len(a) // 2]}{b[len(b) // 2:]}\n")
    tmp.replace(path)
    return path


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(path: str, steps: int, batch_size: int, max_len: int) -> None:
    """One measurement in this (fresh) process; prints one JSON line."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import torch

    import bertkit
    from bertkit.data import StreamingBatches
    from bertkit.training.base import _FitBatches

    torch.set_num_threads(2)
    tokenizer = bertkit.load_tokenizer(TINY)
    model = bertkit.TextClassifier(bertkit.load_backbone(TINY), num_classes=10, pooling="mean")
    rss_start = rss_mb()
    t = time.perf_counter()
    stream = bertkit.StreamingExamples(path)
    rows = len(stream)
    label_map = stream.label_map()
    count_s = time.perf_counter() - t

    batches = StreamingBatches(stream, tokenizer, label_map, batch_size=batch_size,
                               max_len=max_len, seed=0)
    t = time.perf_counter()
    seen = 0
    for inputs, labels in batches.iter_epoch(0):
        seen += len(labels)
    pipeline_s = time.perf_counter() - t
    assert seen == rows, (seen, rows)
    rss_after_pipeline = rss_mb()

    keras.utils.set_random_seed(0)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3), loss=model.loss_function(),
                  metrics=model.metrics_for_task())
    data = _FitBatches(StreamingBatches(stream, tokenizer, label_map, batch_size=batch_size,
                                        max_len=max_len, seed=1))
    model.fit(data, epochs=1, steps_per_epoch=3, verbose=0)  # warm-up (build, first steps)
    t = time.perf_counter()
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    train_s = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "rows": rows, "count_and_labels_s": round(count_s, 2),
        "pipeline_s": round(pipeline_s, 2), "pipeline_rows_per_s": round(rows / pipeline_s),
        "train_steps": steps, "train_s": round(train_s, 2),
        "model_rows_per_s": round(steps * batch_size / train_s, 1),
        "rss_before_data_mb": round(rss_start, 1),
        "rss_after_full_pass_mb": round(rss_after_pipeline, 1),
        "peak_rss_mb": round(peak, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--steps", type=int, default=100, help="training steps per size")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.steps, args.batch_size, args.max_len)
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _machine import load_average, source_state

    env = {**os.environ, "KERAS_BACKEND": "torch",
           "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    results = []
    for size in args.sizes:
        path = make_corpus(size)
        print(f"{size:>9,} rows ({path.stat().st_size / 1e6:.1f} MB): measuring in a fresh "
              f"process (load average {load_average():.1f}) ...", flush=True)
        done = subprocess.run([sys.executable, __file__, "--child", str(path), "--steps",
                               str(args.steps), "--batch-size", str(args.batch_size),
                               "--max-len", str(args.max_len)],
                              capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
        r = json.loads(done.stdout.strip().splitlines()[-1])
        r["file_mb"] = round(path.stat().st_size / 1e6, 1)
        results.append(r)
        print(f"    peak RSS {r['peak_rss_mb']:.0f} MB (before data {r['rss_before_data_mb']:.0f},"
              f" after a full pass {r['rss_after_full_pass_mb']:.0f}); pipeline "
              f"{r['pipeline_rows_per_s']:,} rows/s; model {r['model_rows_per_s']:,} rows/s",
              flush=True)
    peaks = [r["peak_rss_mb"] for r in results]
    ratio = max(peaks) / min(peaks)
    speedup = min(r["pipeline_rows_per_s"] / r["model_rows_per_s"] for r in results)
    print(f"\npeak RSS largest/smallest: {ratio:.3f} ({'flat, within 10%' if ratio <= 1.1 else 'GROWS'}"
          f"); the pipeline alone is at least {speedup:.0f}x faster than the model consumes")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "memory.json").write_text(json.dumps({
        "benchmark": "memory", "settings": vars(args), "results": results,
        "peak_ratio": round(ratio, 4), "pipeline_over_model_min": round(speedup, 1),
        "load_average": load_average(), "source": source_state()}, indent=2))
    print(f"wrote {OUT / 'memory.json'}")


if __name__ == "__main__":
    main()
