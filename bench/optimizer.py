"""Side by side: a model's training step with every graph optimization and with -O0.

Runs `dlg bench FILE --json` and `dlg bench FILE -O0 --json` alternately, ROUNDS times, and
prints each pair, the medians and their ratio. Both run the same binary on the same machine,
so the ratio is what the optimizer passes and the memory plan buy.

    python3 bench/optimizer.py graphs/fashion_mnist.dlg --rounds 7 --steps 200
"""

import argparse
import json
import os
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench(dlg, model, steps, threads, extra):
    command = [dlg, "bench", model, "--steps", str(steps), "--threads", str(threads), "--json"]
    result = subprocess.run(command + extra, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", nargs="?", default="graphs/fashion_mnist.dlg")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    dlg = os.path.join(ROOT, ".build/release/dlg")
    if not os.path.exists(dlg):
        raise SystemExit(f"{dlg} is missing: run `swift build -c release` first")
    optimized, baseline = [], []
    for round_ in range(1, args.rounds + 1):
        o = bench(dlg, args.model, args.steps, args.threads, [])
        b = bench(dlg, args.model, args.steps, args.threads, ["-O0"])
        optimized.append(o)
        baseline.append(b)
        print(f"round {round_}: all passes {o['ms_per_step']:6.2f} ms/step, "
              f"-O0 {b['ms_per_step']:6.2f} ms/step, arena {o['arena_bytes'] / 2**20:.2f} MiB "
              f"vs {b['arena_bytes'] / 2**20:.2f} MiB", flush=True)
    fast = statistics.median(r["ms_per_step"] for r in optimized)
    slow = statistics.median(r["ms_per_step"] for r in baseline)
    print(f"median ms/step: all passes {fast:.2f}, -O0 {slow:.2f}: "
          f"the optimized step is {slow / fast:.2f}x faster")


if __name__ == "__main__":
    main()
