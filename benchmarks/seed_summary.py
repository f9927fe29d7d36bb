"""Pool several ``bench_finetune.py`` outputs and compare runs seed by seed.

One benchmark run of a few seeds cannot say whether a one-point accuracy gap is real: on 400
validation sentences the seed alone moves accuracy by 2-3 points. This script merges the JSON
files of several runs of the same setup (say seeds 0-2 from one, 3-7 from another), pairs every
run with the reference run of the same seed (same split, same data order for transformers), and
prints per run:

- accuracy per seed and its mean;
- the paired difference to the reference: mean, standard error, and an exact two-sided
  sign-flip permutation p-value (no normality assumed; with n seeds there are 2**n flips);
- training time relative to the reference, only from runs that shared the machine in turns
  (same file, same seed), since time measured in different sessions is not comparable.

    python benchmarks/seed_summary.py benchmarks/out/A.json benchmarks/out/B.json --reference hf_padded

Each file's commit is printed: pool only runs of the same code.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
from pathlib import Path

# Settings that must agree for accuracies to be pooled (seeds and the list of runs may differ).
SAME_SETUP = ("dataset", "examples_used", "train", "valid", "max_len", "batch_size", "epochs",
              "lr", "warmup", "weight_decay", "dtype")


def load_runs(paths: list[Path]) -> tuple[dict, list[dict]]:
    """All runs of ``paths`` tagged with their file; refuses files whose setups differ."""
    setup, runs = None, []
    for path in paths:
        data = json.loads(path.read_text())
        if "setup" not in data or "runs" not in data:
            raise SystemExit(f"{path}: not a bench_finetune.py output (no 'setup'/'runs')")
        source = data["setup"].get("source") or {}
        dirty = source.get("uncommitted_src") or []
        print(f"{path}: seeds {data['setup'].get('seeds')}, runs {data['setup'].get('runs')}, "
              f"commit {source.get('commit', '?')}"
              + (f" + uncommitted {', '.join(dirty)}" if dirty else ""))
        mine = {key: data["setup"].get(key) for key in SAME_SETUP}
        if setup is None:
            setup = mine
        elif mine != setup:
            diff = {k: (setup[k], mine[k]) for k in SAME_SETUP if setup[k] != mine[k]}
            raise SystemExit(f"{path}: setup differs from {paths[0]}: {diff}")
        runs += [dict(run, file=str(path)) for run in data["runs"]]
    return setup, runs


def group_by_run_and_seed(runs: list[dict]) -> dict[tuple[str, int], list[dict]]:
    """Runs grouped by (name, seed); a seed run twice keeps every copy (its mean is used)."""
    grouped: dict[tuple[str, int], list[dict]] = {}
    for run in runs:
        grouped.setdefault((run["run"], run["seed"]), []).append(run)
    return grouped


def sign_flip_p_value(diffs: list[float]) -> float:
    """Exact two-sided p-value of 'mean difference is 0' by flipping the signs of the pairs."""
    observed = abs(sum(diffs))
    flips = list(itertools.product((1, -1), repeat=len(diffs)))
    extreme = sum(abs(sum(s * d for s, d in zip(signs, diffs))) >= observed - 1e-12
                  for signs in flips)
    return extreme / len(flips)


def compare(grouped: dict, run: str, reference: str) -> dict:
    seeds = sorted(seed for name, seed in grouped if name == run)
    acc = {s: statistics.mean(r["accuracy"] for r in grouped[run, s]) for s in seeds}
    row = {"run": run, "seeds": seeds, "accuracy": acc,
           "accuracy_mean": statistics.mean(acc.values())}
    paired = [s for s in seeds if (reference, s) in grouped]
    if run != reference and paired:
        diffs = [acc[s] - statistics.mean(r["accuracy"] for r in grouped[reference, s])
                 for s in paired]
        row.update(paired_seeds=paired, diff_mean=statistics.mean(diffs),
                   diff_se=(statistics.stdev(diffs) / math.sqrt(len(diffs))
                            if len(diffs) > 1 else float("nan")),
                   p_value=sign_flip_p_value(diffs) if len(diffs) <= 16 else None)
    ratios = []
    for s in seeds:
        for mine in grouped[run, s]:
            for ref in grouped.get((reference, s), []):
                if ref["file"] == mine["file"] and ref.get("mode") == "interleaved":
                    ratios.append(sum(ref["epoch_s"]) / sum(mine["epoch_s"]))
    row["speedup_vs_reference"] = statistics.mean(ratios) if ratios else None
    row["speedup_pairs"] = len(ratios)
    row["epoch_s_mean"] = statistics.mean(e for s in seeds for r in grouped[run, s]
                                          for e in r["epoch_s"])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="bench_finetune.py JSON outputs")
    parser.add_argument("--reference", default="hf_padded",
                        help="the run every other run is paired with (default: hf_padded)")
    parser.add_argument("--out", type=Path, default=None, help="also write the table as JSON")
    args = parser.parse_args()
    setup, runs = load_runs(args.files)
    grouped = group_by_run_and_seed(runs)
    names = sorted({name for name, _ in grouped}, key=lambda n: (n != args.reference, n))
    if args.reference not in names:
        raise SystemExit(f"no run named {args.reference!r} in these files; runs: {names}")
    rows = [compare(grouped, name, args.reference) for name in names]
    all_seeds = sorted({seed for _, seed in grouped})

    print(f"{setup['dataset']}: {setup['train']} train / {setup['valid']} valid, max_len "
          f"{setup['max_len']}, batch {setup['batch_size']}, {setup['epochs']} epoch(s), "
          f"lr {setup['lr']:g}; {len(args.files)} file(s)")
    seed_cols = " ".join(f"{s:>6d}" for s in all_seeds)
    header = (f"{'run':12s} {seed_cols}   {'mean':>6s} {'n':>3s} {'diff vs ref':>14s} "
              f"{'p':>6s} {'speedup':>8s} {'s/epoch':>8s}")
    print(f"{'':12s} {'accuracy % by seed':^{len(seed_cols)}s}")
    print(header)
    print("-" * len(header))
    for row in rows:
        cells = " ".join(f"{100 * row['accuracy'][s]:6.2f}" if s in row["accuracy"] else
                         f"{'':6s}" for s in all_seeds)
        if "diff_mean" in row:
            diff = f"{100 * row['diff_mean']:+.2f}±{100 * row['diff_se']:.2f}"
            p = f"{row['p_value']:.3f}" if row["p_value"] is not None else "-"
        else:
            diff, p = "reference" if row["run"] == args.reference else "-", ""
        speed = (f"{row['speedup_vs_reference']:.2f}x" if row["speedup_vs_reference"] else "-")
        print(f"{row['run']:12s} {cells}   {100 * row['accuracy_mean']:6.2f} "
              f"{len(row['seeds']):3d} {diff:>14s} {p:>6s} {speed:>8s} "
              f"{row['epoch_s_mean']:8.1f}")
    print(f"diff vs ref = mean over the seeds both ran of (this run - {args.reference}), in "
          "points, ± its standard error; p = exact sign-flip permutation p-value of that mean "
          f"being 0. speedup = {args.reference}'s training time / this run's, only from runs "
          "that took turns on the machine (same file, same seed). s/epoch is not comparable "
          "across files run under different load.")
    if args.out:
        args.out.write_text(json.dumps({"setup": setup, "files": [str(f) for f in args.files],
                                        "reference": args.reference, "rows": rows}, indent=2))
        print(f"written {args.out}")


if __name__ == "__main__":
    main()
