#!/usr/bin/env python3
"""Kills a training run with SIGKILL at random moments and resumes it each time.

Trains graphs/fashion_mnist.dlg (or --model) with a checkpoint every --every steps, kills the
process --kills times at random moments (uniform between --min and --max seconds after it
starts or resumes), and resumes from the checkpoint after each kill. Reports:

- corrupt checkpoints: a resume that fails to load the checkpoint (must be 0);
- progress regressions: a checkpoint behind the one the run resumed from (must be 0), so a
  kill loses at most the steps since the last checkpoint (fewer than --every);
- temporary files left in the folder after the run (`.NAME.tmp-PID`; must be 0);
- whether the run, once finished, reached its last epoch.

Uses the release binary (.build/release/dlg). Example:
  python3 scripts/kill-soak.py --kills 20 --every 50
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLG = os.path.join(ROOT, ".build/release/dlg")


def checkpoint_step(path):
    """The step recorded in a checkpoint's metadata (safetensors header), or None."""
    try:
        with open(path, "rb") as f:
            length = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(length))
        return int(header["__metadata__"]["step"])
    except (OSError, ValueError, KeyError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=os.path.join(ROOT, "graphs/fashion_mnist.dlg"))
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--min", type=float, default=1.0)
    parser.add_argument("--max", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    work = tempfile.mkdtemp(prefix="dlg-soak-")
    checkpoint = os.path.join(work, "run.ckpt")
    progress = os.path.join(work, "steps.txt")
    base = [DLG, "run", args.model, "--epochs", str(args.epochs), "--checkpoint", checkpoint,
            "--checkpoint-every", str(args.every)]
    corrupt, regressions, kills, finished = 0, 0, 0, False
    resume = False
    while not finished:
        command = base + (["--resume", checkpoint] if resume else [])
        with open(progress, "w") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, text=True)
        started = time.time()
        resumed_from = checkpoint_step(checkpoint) if resume else 0
        if kills < args.kills:
            delay = random.uniform(args.min, args.max)
            try:
                process.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                # The step counter at the moment of the kill: the newest checkpoint's, plus at
                # most `every` steps since (the process cannot tell us: it is killed).
                before = checkpoint_step(checkpoint)
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
                after = checkpoint_step(checkpoint)
                if after is None and before is not None:
                    corrupt += 1
                # Each checkpoint is at least as far as the one resumed from: a kill never
                # costs more than the steps since the last one (at most `every`).
                if after is not None and resumed_from is not None and after < resumed_from:
                    regressions += 1
                elapsed = time.time() - started
                print(f"kill {kills}: after {elapsed:.1f} s, checkpoint at step {after} "
                      f"(resumed from {resumed_from})", flush=True)
                resume = after is not None
                continue
        stderr = process.communicate()[1]
        if process.returncode != 0:
            if "checkpoint" in stderr and resume:
                corrupt += 1
                print(f"resume failed: {stderr.strip()}", flush=True)
                resume = False
                continue
            sys.exit(f"the run failed: {stderr.strip()}")
        finished = True
    leftovers = [name for name in os.listdir(work) if ".tmp-" in name]
    print(json.dumps({
        "kills": kills, "corrupt_checkpoints": corrupt, "progress_regressions": regressions,
        "temporary_files_left": len(leftovers),
        "every": args.every, "finished": finished,
        "final_checkpoint_step": checkpoint_step(checkpoint),
    }))
    return 0 if corrupt == 0 and regressions == 0 and not leftovers and finished else 1


if __name__ == "__main__":
    sys.exit(main())
