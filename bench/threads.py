"""Side by side: a model's training step on one thread and on two (or --threads N).

Runs `dlg bench FILE --threads 1 --json` and `dlg bench FILE --threads N --json` alternately,
ROUNDS times, and prints each pair, the medians and the speed-up. The scheduler's own
measurement: bench/models/two_branches.dlg has two independent heavy branches.

    python3 bench/threads.py bench/models/two_branches.dlg --rounds 5 --steps 30
"""

import argparse
import json
import os
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench(dlg, model, steps, threads):
    command = [dlg, "bench", model, "--steps", str(steps), "--threads", str(threads), "--json"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)["ms_per_step"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", nargs="?", default="bench/models/two_branches.dlg")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    dlg = os.path.join(ROOT, ".build/release/dlg")
    if not os.path.exists(dlg):
        raise SystemExit(f"{dlg} is missing: run `swift build -c release` first")
    one, many = [], []
    for round_ in range(1, args.rounds + 1):
        one.append(bench(dlg, args.model, args.steps, 1))
        many.append(bench(dlg, args.model, args.steps, args.threads))
        print(f"round {round_}: 1 thread {one[-1]:7.2f} ms/step, {args.threads} threads "
              f"{many[-1]:7.2f} ms/step", flush=True)
    a, b = statistics.median(one), statistics.median(many)
    print(f"median ms/step: 1 thread {a:.2f}, {args.threads} threads {b:.2f}: {a / b:.2f}x faster")


if __name__ == "__main__":
    main()
