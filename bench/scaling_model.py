#!/usr/bin/env python3
"""Predicted data-parallel scaling of every example model (docs/distributed.md).

For each trainable model in graphs/, measures one process's training step with `dlg bench`
(release build, generated data) at the per-process batches a run on N processes gives, reads
the gradient bytes from `dlg compile --json --processes 2`, and predicts the step on N
processes with the ring all-reduce model

    allreduce(N) = 2(N-1)*alpha + 2(N-1)/N * bytes / beta
    step(N)      = compute + max(0, allreduce(N) - hidden * compute)

where `hidden` is the part of the step the backward pass offers to hide communication behind
(the first bucket starts once the output layers' gradients exist). Efficiency is
compute / step(N).

  python3 bench/scaling_model.py [--dlg .build/release/dlg] [--alpha-us 10] [--hidden 0.5]
"""
import argparse
import glob
import json
import subprocess
import sys

NODES = [1, 2, 4, 8, 16, 32, 64]
LINKS_GBIT = [10, 25, 100]


def run_json(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        return None
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dlg", default=".build/release/dlg")
    parser.add_argument("--alpha-us", type=float, default=10.0,
                        help="latency of one message, microseconds (MPI over TCP: about 10)")
    parser.add_argument("--hidden", type=float, default=0.5,
                        help="part of the step's compute that can hide communication")
    parser.add_argument("--threads", type=int, default=1, help="threads per process")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    alpha = args.alpha_us * 1e-6
    models = args.models or sorted(glob.glob("graphs/*.dlg"))

    rows = []
    for model in models:
        # The gradients' bytes do not depend on the batch: compile for the smallest split one.
        compiled = run_json([args.dlg, "compile", model, "--json", "--processes", "2",
                             "--batch", "2"])
        if compiled is None:
            continue
        bench = run_json([args.dlg, "bench", model, "--json", "--steps", str(args.steps),
                          "--threads", str(args.threads)])
        if bench is None or bench.get("mode") != "training":
            continue
        gradient_bytes = sum(b["bytes"] for b in compiled.get("buckets", []))
        if gradient_bytes == 0:
            continue
        batch = bench["batch"]
        compute = bench["ms_per_step"] / 1e3
        # Per-process batches of a fixed global batch (the file's): measured where they exist.
        strong = {1: compute}
        for n in NODES[1:]:
            if batch % n or batch // n < 1:
                continue
            small = run_json([args.dlg, "bench", model, "--json", "--steps", str(args.steps),
                              "--threads", str(args.threads), "--batch", str(batch // n)])
            if small:
                strong[n] = small["ms_per_step"] / 1e3
        rows.append((model, gradient_bytes, batch, compute, strong))
        print(f"measured {model}: {gradient_bytes / 2**20:.2f} MiB of gradients, "
              f"{compute * 1e3:.2f} ms a step at batch {batch}", file=sys.stderr)

    def efficiency(compute, nbytes, n, gbit):
        if n == 1:
            return 1.0
        beta = gbit * 1e9 / 8
        allreduce = 2 * (n - 1) * alpha + 2 * (n - 1) / n * nbytes / beta
        return compute / (compute + max(0.0, allreduce - args.hidden * compute))

    print(f"alpha = {args.alpha_us:g} us, hidden = {args.hidden:g} of the step, "
          f"{args.threads} thread(s) a process\n")
    shown = [4, 16, 64]
    print("Each process keeps the file's batch (the global batch grows with N); efficiency "
          "at N = " + ", ".join(map(str, shown)) + ":\n")
    print("| model | gradients | step | " + " | ".join(f"{g} Gbit/s" for g in LINKS_GBIT) + " |")
    print("|---|---|---|" + "---|" * len(LINKS_GBIT))
    for model, nbytes, batch, compute, _ in rows:
        cells = [" / ".join(f"{efficiency(compute, nbytes, n, g) * 100:.0f}%" for n in shown)
                 for g in LINKS_GBIT]
        print(f"| {model.split('/')[-1]} | {nbytes / 2**20:.2f} MiB | "
              f"{compute * 1e3:.2f} ms (batch {batch}) | " + " | ".join(cells) + " |")
    print("\nThe file's batch split among N processes: speed-up over one process at N = "
          + ", ".join(map(str, NODES[1:-1])) + " (– where the batch does not split):\n")
    print("| model | " + " | ".join(f"{g} Gbit/s" for g in LINKS_GBIT) + " |")
    print("|---|" + "---|" * len(LINKS_GBIT))
    for model, nbytes, batch, compute, strong in rows:
        cells = []
        for gbit in LINKS_GBIT:
            parts = []
            for n in NODES[1:-1]:
                if n not in strong:
                    parts.append("–")
                    continue
                step = strong[n] / efficiency(strong[n], nbytes, n, gbit)
                parts.append(f"{compute / step:.1f}×")
            cells.append(" / ".join(parts))
        print(f"| {model.split('/')[-1]} | " + " | ".join(cells) + " |")
    # The per-process batch each model needs for 90% on 64 nodes at 10 Gbit/s, if its step
    # grows linearly with the batch.
    print("\nPer-process batch for 90% efficiency on 64 nodes at 10 Gbit/s "
          "(compute taken as linear in the batch):\n")
    for model, nbytes, batch, compute, _ in rows:
        allreduce = 2 * 63 * alpha + 2 * 63 / 64 * nbytes / (10e9 / 8)
        per_sample = compute / batch
        needed = allreduce / (per_sample * (args.hidden + 1 / 0.9 - 1))
        print(f"- {model.split('/')[-1]}: {max(1, int(needed + 0.999))} samples "
              f"(file: {batch}; all-reduce {allreduce * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
