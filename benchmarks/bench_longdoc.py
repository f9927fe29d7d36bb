"""Long documents: chunk + aggregate vs head-only and head+tail truncation, MiniLM-L6.

    python benchmarks/bench_longdoc.py                      # 600 train / 300 test, 1 epoch
    python benchmarks/bench_longdoc.py --folds 5 --train-docs 0 --chunks-per-doc 0  # full
    python benchmarks/bench_longdoc.py --time-limit 1800    # skip what would start after 30 min

Data: the 1,500 full Pang & Lee movie reviews (``bertkit.datasets.pang_lee_reviews``; median
~700 words, ~800 MiniLM tokens). Every method fine-tunes ``all-MiniLM-L6-v2`` (pooled [CLS] +
dropout 0.1 + linear) with the same settings: AdamW, lr ``--lr``, linear warmup 10% then decay,
``--epochs`` epochs, batch ``--batch-size``, seed; only what a document becomes differs:

* ``head``: the first ``--max-len`` tokens (``DocumentClassifier(strategy="head")``);
* ``head_tail``: first ``(max_len - 2) / 4`` + last ``3 (max_len - 2) / 4`` tokens (Sun et al.);
* ``chunks``: every document cut into chunks of ``--max-len`` tokens, the encoder fine-tuned on
  chunks carrying their document's label (``--chunks-per-doc`` per review), then the chunk
  vectors of each document aggregated. The vectors are computed once; each aggregator
  (``--aggregators``: attention, mean, max, lstm) is trained on them for
  ``--aggregator-epochs``; ``vote`` is the untrained mean aggregator (= the average of the
  chunks' logits, no stage 2 training);
* ``head512``: ``head`` at 512 tokens (the encoder's limit), the costly baseline.

Default protocol (sized for 2 shared CPU cores): one stratified seeded split, 300 test reviews,
600 of the 1,200 others for training (``--train-docs``), and stage 1 of ``chunks`` fine-tunes on
one random chunk per review per epoch (``--chunks-per-doc 1``): the encoder gets exactly the
training steps of ``head`` and ``head_tail``; what ``chunks`` adds is encoding every chunk and
the aggregator (both timed). ``--folds 5`` runs 5-fold cross-validation (mean and spread). Methods run in the order given; a
method that would start after ``--time-limit`` seconds is skipped and reported as skipped.
Timings are wall seconds on whatever machine this is, with the CPU other processes used while
each method ran (``others_cores``): on a shared machine they are noisy.

Writes ``benchmarks/out/longdoc.json`` (after every method, so a stopped run keeps its
results). Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _machine import Contention as _Contention, load_average, source_state  # noqa: E402


class Contention(_Contention):
    """`_machine.Contention` that also keeps the wall seconds of the block."""

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.t
        super().__exit__(*exc)

OUT = ROOT / "benchmarks" / "out"
METHODS = ("head", "chunks", "head_tail", "head512")


def folds(examples, n_folds: int, seed: int):
    """(train, test) pairs: one stratified split (n_folds=1: 20% test) or stratified k folds."""
    from bertkit import TextExamples

    if n_folds == 1:
        yield examples.split(0.2, seed=seed)
        return
    rng = np.random.default_rng(seed)
    labels = np.array(examples.labels)
    fold_of = np.zeros(len(labels), int)
    for label in sorted(set(labels.tolist())):
        idx = rng.permutation(np.flatnonzero(labels == label))
        fold_of[idx] = np.arange(len(idx)) % n_folds
    for k in range(n_folds):
        yield (examples.subset(np.flatnonzero(fold_of != k)),
               examples.subset(np.flatnonzero(fold_of == k)))
    del TextExamples


def run_truncation(args, train, test, strategy: str, max_len: int) -> dict:
    import bertkit

    keras.utils.set_random_seed(args.seed)
    clf = bertkit.DocumentClassifier.for_documents(
        args.model, train, strategy=strategy, max_len=max_len, batch_size=args.batch_size,
        seed=args.seed)
    with Contention() as fit:
        clf.fit(args.lr, args.epochs, warmup=0.1, verbose=0)
    with Contention() as pred:
        report = clf.validate(test, print_report=False)
    return {"accuracy": float(report.accuracy), "macro_f1": float(report.macro_f1),
            "train_pieces": len(clf.learner.train_data),
            "steps": len(clf.learner.train_data) // args.batch_size * args.epochs,
            "fit_s": round(fit.wall, 1), "predict_s": round(pred.wall, 1),
            "others_cores": round(max(fit.foreign_cores, pred.foreign_cores), 2)}


def run_chunks(args, train, test) -> dict[str, dict]:
    """Stage 1 once; stage 2 for every aggregator on the same chunk vectors."""
    import bertkit
    from bertkit.tasks.document import ChunkAggregator, pack_chunks

    keras.utils.set_random_seed(args.seed)
    clf = bertkit.DocumentClassifier.for_documents(
        args.model, train, strategy="chunks", max_len=args.max_len, batch_size=args.batch_size,
        seed=args.seed, overlap=args.overlap, sentence_boundaries=args.sentences,
        chunks_per_document=args.chunks_per_doc or None, max_chunks=args.max_chunks or None)
    with Contention() as fit:
        clf.learner.fit(args.lr, args.epochs, warmup=0.1, verbose=0)
    predictor = clf.get_predictor()
    with Contention() as enc:
        train_vec, train_owner = predictor.chunk_vectors(train.texts)
        test_vec, test_owner = predictor.chunk_vectors(test.texts)
    x_train = dict(zip(("chunk_vectors", "chunk_mask"),
                       pack_chunks(train_vec, train_owner, len(train))))
    x_test = dict(zip(("chunk_vectors", "chunk_mask"), pack_chunks(test_vec, test_owner,
                                                                   len(test))))
    y_train = clf.label_map.encode(train.labels)
    y_test = clf.label_map.encode(test.labels)
    head = clf.model.get_layer("classifier_head")
    common = {"train_pieces": len(clf.learner.train_data),
              "steps": len(clf.learner.train_data) // args.batch_size * args.epochs,
              "chunks_per_doc_mean": round(len(train_owner) / len(train), 2),
              "stage1_fit_s": round(fit.wall, 1), "encode_all_chunks_s": round(enc.wall, 1),
              "others_cores": round(max(fit.foreign_cores, enc.foreign_cores), 2)}
    kernel = keras.ops.convert_to_numpy(head.kernel)
    bias = keras.ops.convert_to_numpy(head.bias)
    chunk_acc = float(((test_vec @ kernel + bias).argmax(1) == y_test[test_owner]).mean())
    common["chunk_level_test_accuracy"] = round(chunk_acc, 4)
    results = {}
    # Ablations on the same vectors: only the first chunk (= head truncation at max_len), or
    # the first and last chunks (a head+tail analogue), with the same stage-2 training.
    first = dict(zip(("chunk_vectors", "chunk_mask"), (x_train["chunk_vectors"][:, :1],
                                                      x_train["chunk_mask"][:, :1])))
    first_test = dict(zip(("chunk_vectors", "chunk_mask"), (x_test["chunk_vectors"][:, :1],
                                                           x_test["chunk_mask"][:, :1])))

    def first_last(x):
        n = x["chunk_mask"].sum(1) - 1
        rows = np.arange(len(n))
        last = x["chunk_vectors"][rows, n][:, None]
        return {"chunk_vectors": np.concatenate([x["chunk_vectors"][:, :1], last], 1),
                "chunk_mask": np.concatenate([x["chunk_mask"][:, :1], n[:, None] > 0], 1)}

    variants = [(m, m, x_train, x_test) for m in args.aggregators]
    variants += [("first_chunk_only_attention", "attention", first, first_test),
                 ("first_and_last_chunk_attention", "attention", first_last(x_train),
                  first_last(x_test))]
    for method, kind, x_train, x_test in variants:
        keras.utils.set_random_seed(args.seed)
        agg = ChunkAggregator(head.kernel.shape[0], clf.model.num_classes,
                              method="mean" if kind == "vote" else kind)
        if kind != "lstm":
            agg.init_head_from(head.kernel, head.bias)
        t = time.perf_counter()
        if kind != "vote":
            agg.compile(optimizer=keras.optimizers.Adam(args.aggregator_lr),
                        loss=agg.loss_function(), metrics=agg.metrics_for_task())
            agg.fit(x_train, y_train, batch_size=32, epochs=args.aggregator_epochs,
                    shuffle=True, verbose=0)
        train_s = time.perf_counter() - t
        logits = keras.ops.convert_to_numpy(agg.predict(x_test, batch_size=64, verbose=0))
        acc = float((logits.argmax(1) == y_test).mean())
        results[f"chunks_{method}"] = {"accuracy": acc, "aggregator_fit_s": round(train_s, 1),
                                       **common}
        print(f"    chunks + {method}: accuracy {acc:.4f} (aggregator {train_s:.1f}s)",
              flush=True)
    return results


def summarise(per_fold: dict[str, list[dict]]) -> dict[str, dict]:
    out = {}
    for name, runs in per_fold.items():
        accs = [r["accuracy"] for r in runs]
        out[name] = {"accuracy_mean": round(statistics.mean(accs), 4),
                     "accuracy_sd": round(statistics.stdev(accs), 4) if len(accs) > 1 else None,
                     "folds": len(accs), "runs": runs}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--aggregators", nargs="+",
                        default=["attention", "mean", "max", "lstm", "vote"],
                        choices=["attention", "mean", "max", "lstm", "vote"])
    parser.add_argument("--folds", type=int, default=1, help="1: one 1,200/300 split")
    parser.add_argument("--train-docs", type=int, default=600,
                        help="train on a stratified subset of this many of the fold's "
                             "training reviews (0: all, 1,200 with --folds 1)")
    parser.add_argument("--test-docs", type=int, default=0,
                        help="evaluate on a stratified subset of this many test reviews (0: all)")
    parser.add_argument("--max-chunks", type=int, default=0,
                        help="at most this many chunks per review, evenly spaced (0: all)")
    parser.add_argument("--chunks-per-doc", type=int, default=1,
                        help="stage 1 fine-tunes on this many random chunks per review (1: the "
                             "same number of training steps as truncation; 0: all chunks)")
    parser.add_argument("--max-len", type=int, default=128)
    parser.add_argument("--overlap", type=int, default=0)
    parser.add_argument("--sentences", action="store_true", help="chunks end on sentences")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--aggregator-epochs", type=int, default=20)
    parser.add_argument("--aggregator-lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=2400,
                        help="skip methods that would start after this many seconds")
    parser.add_argument("--limit", type=int, default=None,
                        help="use only this many reviews (a quick check of the script)")
    parser.add_argument("--out", default=str(OUT / "longdoc.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    import bertkit
    from bertkit.datasets import pang_lee_reviews

    texts, labels = pang_lee_reviews()
    if args.limit:
        pick = np.random.default_rng(args.seed).permutation(len(texts))[:args.limit]
        texts, labels = [texts[i] for i in pick], [labels[i] for i in pick]
    examples = bertkit.TextExamples(texts, ["pos" if y else "neg" for y in labels])
    tok = bertkit.load_tokenizer(args.model)
    n_tokens = tok.encode_batch(texts, max_len=None).lengths
    print(f"{len(texts)} reviews, tokens per review: median {int(np.median(n_tokens))}, "
          f"90th percentile {int(np.percentile(n_tokens, 90))}; load average "
          f"{load_average():.1f}", flush=True)
    start = time.perf_counter()
    per_fold: dict[str, list[dict]] = {}
    skipped: list[str] = []
    result = {"benchmark": "longdoc", "model": args.model, "settings": vars(args),
              "data": {"documents": len(texts), "median_tokens": int(np.median(n_tokens))},
              "source": source_state()}

    def save() -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        result.update(results=summarise(per_fold), skipped=skipped,
                      elapsed_s=round(time.perf_counter() - start, 1))
        Path(args.out).write_text(json.dumps(result, indent=2))

    for k, (train, test) in enumerate(folds(examples, args.folds, args.seed)):
        if args.train_docs and args.train_docs < len(train):
            _, train = train.split(args.train_docs / len(train), seed=args.seed)
        if args.test_docs and args.test_docs < len(test):
            _, test = test.split(args.test_docs / len(test), seed=args.seed)
        print(f"fold {k + 1}/{args.folds}: {len(train)} train, {len(test)} test", flush=True)
        for method in args.methods:
            elapsed = time.perf_counter() - start
            if elapsed > args.time_limit:
                skipped.append(f"{method} fold {k + 1} (time limit {args.time_limit:.0f}s "
                               f"reached after {elapsed:.0f}s)")
                print(f"  {method}: SKIPPED ({skipped[-1]})", flush=True)
                continue
            print(f"  {method} ...", flush=True)
            if method == "chunks":
                for name, r in run_chunks(args, train, test).items():
                    per_fold.setdefault(name, []).append(r)
                print(f"    stage 1 {r['stage1_fit_s']}s ({r['train_pieces']} chunks), "
                      f"encoding {r['encode_all_chunks_s']}s, chunk-level accuracy "
                      f"{r['chunk_level_test_accuracy']}", flush=True)
            else:
                strategy, max_len = (("head", 512) if method == "head512"
                                     else (method, args.max_len))
                r = run_truncation(args, train, test, strategy, max_len)
                per_fold.setdefault(f"{method}" + ("" if method == "head512"
                                                   else f"{args.max_len}"), []).append(r)
                print(f"    accuracy {r['accuracy']:.4f}, fit {r['fit_s']}s, predict "
                      f"{r['predict_s']}s (others used {r['others_cores']} cores)", flush=True)
            save()
    save()
    print("\nmethod                 accuracy (mean ± sd over folds)   fit s (fold 1)")
    for name, s in result["results"].items():
        sd = f" ± {s['accuracy_sd']:.4f}" if s["accuracy_sd"] is not None else ""
        fit = s["runs"][0].get("fit_s", s["runs"][0].get("stage1_fit_s"))
        print(f"{name:22s} {s['accuracy_mean']:.4f}{sd:10s}                    {fit}")
    for line in skipped:
        print(f"skipped: {line}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
