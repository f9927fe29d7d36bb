"""Where a training step's time goes: bertkit vs transformers on identical batches, interleaved.

    python benchmarks/bench_train_step.py [--batches 12] [--rounds 4] [--threads 2]

The same batches (Pang & Lee sentences, all-MiniLM-L6-v2 tokens, cut and length-bucketed by
bertkit's ``TextBatches`` exactly as ``Learner.fit`` gets them, batch 32, max_len 64) go through:

* ``bertkit``: ``TextClassifier(pooling="pooled")`` + ``create_optimizer`` (bertkit's AdamW:
  torch's fused AdamW kernel, global-norm clipping at 1.0 in place, weight decay 0.01 without
  LayerNorm/bias), step done as Keras' torch ``train_step`` does it (forward with
  ``training=True``, loss, ``backward``, ``optimizer.apply``);
* ``bertkit_generic``: the same with ``create_optimizer(fused=False)``: Keras' generic torch
  AdamW path (about ten ``_foreach`` passes per step, four allocating a temporary as large as
  all weights) -- the same maths;
* ``hf_sdpa`` / ``hf_eager``: ``BertForSequenceClassification`` (default ``sdpa`` attention /
  ``eager``) + ``torch.optim.AdamW`` (its defaults) + ``clip_grad_norm_(1.0)``.

Each step is split into forward (+loss), backward, and optimizer (clipping, weight decay, update).
The host's speed drifts by +-25% from second to second, so contenders take turns: each round
runs every contender over all batches (rotating who goes first) and medians are reported.
Writes ``benchmarks/out/train_step.json``. Figures, not a test.
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

import keras
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT / "benchmarks"))
from _machine import Contention, bertkit_clipping, source_state, wait_for_quiet  # noqa: E402


def make_bertkit(path, fused, lr):
    import bertkit
    from bertkit.tasks.classification import TextClassifier
    from bertkit.training.optimization import create_optimizer

    keras.utils.set_random_seed(0)
    model = TextClassifier(bertkit.load_backbone(path), 2, pooling="pooled")
    optimizer = create_optimizer(lr, fused=fused)
    model.compile(optimizer=optimizer, loss=model.loss_function())
    loss_fn = model.loss_function()

    def step(x, y, t):
        t0 = time.perf_counter()
        y_pred = model(x, training=True)
        model.zero_grad()
        loss = loss_fn(y, y_pred)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        weights = model.trainable_weights[:]
        with torch.no_grad():
            model.optimizer.apply([v.value.grad for v in weights], weights)
        t3 = time.perf_counter()
        t["forward"].append(t1 - t0)
        t["backward"].append(t2 - t1)
        t["optimizer"].append(t3 - t2)
        return float(loss.detach())

    return step, model


def make_hf(path, attn, lr):
    import transformers
    from transformers import BertForSequenceClassification

    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(path, num_labels=2,
                                                          attn_implementation=attn)
    model.train()
    no_decay = ("bias", "LayerNorm.weight")
    groups = [{"params": [p for n, p in model.named_parameters()
                          if not any(k in n for k in no_decay)], "weight_decay": 0.01},
              {"params": [p for n, p in model.named_parameters()
                          if any(k in n for k in no_decay)], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-6)

    def step(x, y, t):
        t0 = time.perf_counter()
        out = model(input_ids=x["token_ids"], token_type_ids=x["segment_ids"],
                    attention_mask=x["padding_mask"], labels=y)
        t1 = time.perf_counter()
        out.loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        t["forward"].append(t1 - t0)
        t["backward"].append(t2 - t1)
        t["optimizer"].append(t3 - t2)
        return float(out.loss.detach())

    return step, model


def check_fused_matches(path, batches, lr, steps=3):
    """Weights after a few steps: Keras' generic AdamW vs bertkit's fused one, dropout off."""
    import bertkit
    from bertkit.tasks.classification import TextClassifier
    from bertkit.training.optimization import create_optimizer

    results = []
    for fused in (False, True):
        keras.utils.set_random_seed(0)
        model = TextClassifier(bertkit.load_backbone(path), 2, pooling="pooled", dropout=0.0)
        optimizer = create_optimizer(lr, fused=fused)
        loss_fn = model.loss_function()
        for x, y in batches[:steps]:
            y_pred = model(x, training=False)
            model.zero_grad()
            loss_fn(y, y_pred).backward()
            weights = model.trainable_weights[:]
            with torch.no_grad():
                optimizer.apply([v.value.grad for v in weights], weights)
        results.append([w.detach().clone() for w in (v.value for v in model.trainable_weights)])
    keras.utils.set_random_seed(0)
    start = [v.value.detach() for v in TextClassifier(
        bertkit.load_backbone(path), 2, pooling="pooled", dropout=0.0).trainable_weights]
    diff = max(float((a - b).abs().max()) for a, b in zip(*results))
    moved = max(float((a - s).abs().max()) for a, s in zip(results[0], start)
                if a.shape == s.shape)
    return diff, moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--contenders", nargs="+",
                        default=["bertkit", "bertkit_generic", "hf_sdpa", "hf_eager"])
    parser.add_argument("--max-load", type=float, default=1.2)
    parser.add_argument("--max-foreign", type=float, default=0.15,
                        help="discard a round during which other processes used more cores")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    import bertkit
    from bertkit.data import LabelMap, TextBatches
    from bertkit.datasets import pang_lee_sentences

    started = time.perf_counter()
    path = bertkit.presets.resolve_model_path("all-MiniLM-L6-v2")
    texts, labels = pang_lee_sentences()
    examples = bertkit.TextExamples(texts, labels)
    tb = TextBatches(examples, bertkit.load_tokenizer(path), LabelMap.from_labels(labels),
                     batch_size=args.batch_size, max_len=args.max_len, shuffle=True, seed=0)
    batches = []
    for i in range(args.batches):
        x, y = tb[i]
        batches.append(({k: torch.from_numpy(v) for k, v in x.items()},
                         torch.from_numpy(y.astype(np.int64))))
    widths = [int(x["token_ids"].shape[1]) for x, _ in batches]

    builders = {"bertkit": lambda: make_bertkit(path, True, args.lr),
                "bertkit_generic": lambda: make_bertkit(path, False, args.lr),
                "hf_sdpa": lambda: make_hf(path, "sdpa", args.lr),
                "hf_eager": lambda: make_hf(path, "eager", args.lr)}
    steps = {name: builders[name]()[0] for name in args.contenders}
    times = {name: {"forward": [], "backward": [], "optimizer": []} for name in steps}
    for name, step in steps.items():  # warm-up (builds the Keras optimizer, oneDNN kernels)
        scratch = {"forward": [], "backward": [], "optimizer": []}
        for x, y in batches[:2]:
            step(x, y, scratch)

    names = list(steps)
    done, tries, foreign = 0, 0, []
    while done < args.rounds and tries < 3 * args.rounds:
        wait_for_quiet(args.max_load)
        tries += 1
        order = names[done % len(names):] + names[: done % len(names)]
        this = {name: {"forward": [], "backward": [], "optimizer": []} for name in names}
        with Contention() as c:
            for name in order:
                for x, y in batches:
                    steps[name](x, y, this[name])
        if c.foreign_cores > args.max_foreign:
            print(f"round discarded: other processes used {c.foreign_cores:.2f} cores", flush=True)
            continue
        for name in names:
            for k in this[name]:
                times[name][k] += this[name][k]
        done += 1
        foreign.append(c.foreign_cores)
        print(f"round {done}/{args.rounds} done (others used {c.foreign_cores:.2f} cores)",
              flush=True)

    summary = {}
    for name, t in times.items():
        parts = {k: 1000 * statistics.median(v) for k, v in t.items()}
        total = [sum(z) for z in zip(*t.values())]
        parts["step"] = 1000 * statistics.median(total)
        summary[name] = parts
    print()
    print(f"{args.batches} batches x {args.rounds} rounds, batch {args.batch_size}, widths "
          f"{widths} (mean {np.mean(widths):.1f}), all-MiniLM-L6-v2, {args.threads} threads, "
          f"float32; {done} rounds kept of {tries}, other processes used at most "
          f"{max(foreign, default=0):.2f} cores in a kept round")
    print(f"bertkit clips gradients: {bertkit_clipping()}; transformers: global norm 1.0; "
          f"source {source_state()}")
    print(f"{'contender':14s} {'forward':>8s} {'backward':>9s} {'optimizer':>10s} {'step':>7s}  (median ms)")
    for name, p in summary.items():
        print(f"{name:14s} {p['forward']:8.0f} {p['backward']:9.0f} {p['optimizer']:10.0f} "
              f"{p['step']:7.0f}")

    check = None
    if "bertkit_generic" in steps:
        diff, moved = check_fused_matches(path, batches, 1e-4)
        check = {"max_abs_weight_diff_after_3_steps": diff, "max_weight_change": moved}
        print(f"fused vs generic AdamW after 3 steps at lr 1e-4 (no dropout): "
              f"weights differ by at most {diff:.2e} (the steps moved weights by up to {moved:.2e})")
    total = time.perf_counter() - started
    print(f"total runtime {total / 60:.1f} min")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "train_step.json").write_text(json.dumps(
        {"setup": {"batches": args.batches, "rounds": args.rounds, "widths": widths,
                   "batch_size": args.batch_size, "threads": args.threads,
                   "rounds_kept": done, "rounds_tried": tries,
                   "foreign_cores_per_round": foreign, "bertkit_clipping": bertkit_clipping(),
                   "source": source_state()},
         "median_ms": summary, "fused_check": check, "total_runtime_s": total}, indent=2))
    print(f"written {OUT / 'train_step.json'}")


if __name__ == "__main__":
    main()
