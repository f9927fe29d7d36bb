"""Encoder forward throughput: bertkit vs transformers.BertModel, same weights, same threads.

MiniLM-L6 (all-MiniLM-L6-v2), batch 32, real movie-review sentences (Pang & Lee), each batch
padded to its longest sentence for both libraries. Measured in float32 and in bfloat16
(transformers under ``torch.autocast``; bertkit with the ``mixed_bfloat16`` policy).

    python benchmarks/bench_forward.py [--sentences 1024] [--threads 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import torch

import bertkit
from bertkit.datasets import pang_lee_sentences


def batches(tokenizer, texts, batch_size, max_len):
    out = []
    for i in range(0, len(texts), batch_size):
        enc = tokenizer.encode_batch(texts[i:i + batch_size], max_len=max_len)
        out.append({"token_ids": torch.from_numpy(enc.token_ids),
                    "segment_ids": torch.from_numpy(enc.segment_ids),
                    "padding_mask": torch.from_numpy(enc.padding_mask.astype("int32"))})
    return out


def best_time(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-len", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bf16", action="store_true", help="also time bfloat16")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    import transformers

    path = bertkit.presets.resolve_model_path("all-MiniLM-L6-v2")
    texts = pang_lee_sentences()[0][: args.sentences]
    tokenizer = bertkit.load_tokenizer(path)
    data = batches(tokenizer, texts, args.batch_size, args.max_len)
    reference = transformers.BertModel.from_pretrained(path, attn_implementation="sdpa").eval()

    def run_transformers(bf16: bool):
        with torch.inference_mode(), torch.autocast("cpu", torch.bfloat16, enabled=bf16):
            for b in data:
                reference(input_ids=b["token_ids"], token_type_ids=b["segment_ids"],
                          attention_mask=b["padding_mask"])

    print(f"{len(texts)} sentences, batch {args.batch_size}, {args.threads} threads, "
          f"mean tokens/sentence {np.mean([b['padding_mask'].sum(1).float().mean() for b in data]):.1f}")
    print(f"{'precision':10s} {'transformers':>14s} {'bertkit':>14s} {'ratio':>7s}")
    from bertkit.hardware import fast_bfloat16

    precisions = ("float32", "bfloat16") if fast_bfloat16() or args.bf16 else ("float32",)
    if "bfloat16" not in precisions:
        print("bfloat16 skipped: this CPU has no AMX/AVX512-BF16 (--bf16 forces it)")
    for precision in precisions:
        dtype = "mixed_bfloat16" if precision == "bfloat16" else None
        backbone = bertkit.load_backbone(path, dtype=dtype)

        def run_bertkit():
            with torch.inference_mode():
                for b in data:
                    backbone(b, training=False)

        # Alternate the two so a change in machine load affects both alike; keep the best.
        run_ref = lambda: run_transformers(precision == "bfloat16")  # noqa: E731
        t_ref, t_ours = best_time(run_ref, 1), best_time(run_bertkit, 1)
        for _ in range(args.repeats - 1):
            t_ref = min(t_ref, best_time(run_ref, 1))
            t_ours = min(t_ours, best_time(run_bertkit, 1))
        print(f"{precision:10s} {len(texts) / t_ref:11.1f}/s {len(texts) / t_ours:11.1f}/s "
              f"{t_ref / t_ours:6.2f}x")


if __name__ == "__main__":
    main()
