"""Inference latency of ONNX models in dlg and in ONNX Runtime, side by side on one machine.

  python bench/onnx_inference.py [--dlg .build/release/dlg] [--batches 1 16 64] MODEL.onnx...

ONNX Runtime runs with 2 intra-op threads, sequential execution and all graph optimizations;
dlg with `dlg bench MODEL --inference --batch B --threads 2`. The two alternate, three rounds
each, and the medians are compared: ms per batch and the ratio (ONNX Runtime / dlg: above 1
means dlg is faster). Needs numpy and onnxruntime (scripts/onnx-venv.sh makes a venv).
"""
import argparse
import json
import statistics
import subprocess
import time

import numpy as np
import onnxruntime as ort


def session_options():
    """2 intra-op threads, sequential execution, all graph optimizations."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


def ort_ms(path, batch, seconds=1.0):
    session = ort.InferenceSession(path, session_options(), providers=["CPUExecutionProvider"])
    feed = session.get_inputs()[0]
    shape = [batch if not isinstance(d, int) else d for d in feed.shape]
    x = np.random.RandomState(0).rand(*shape).astype(np.float32)
    for _ in range(10):
        session.run(None, {feed.name: x})
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        session.run(None, {feed.name: x})
        runs += 1
    return (time.perf_counter() - start) / runs * 1000


def dlg_ms(dlg, path, batch):
    steps = 2000 if batch == 1 else 300
    out = subprocess.run(
        [dlg, "bench", path, "--inference", "--batch", str(batch), "--threads", "2",
         "--steps", str(steps), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["ms_per_step"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--dlg", default=".build/release/dlg")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"onnxruntime {ort.__version__}; medians of {args.rounds} alternating rounds")
    print("| model | batch | dlg ms | ONNX Runtime ms | ORT / dlg |")
    print("|---|---:|---:|---:|---:|")
    for path in args.models:
        for batch in args.batches:
            ours, theirs = [], []
            for _ in range(args.rounds):
                ours.append(dlg_ms(args.dlg, path, batch))
                theirs.append(ort_ms(path, batch))
            a, b = statistics.median(ours), statistics.median(theirs)
            name = path.split("/")[-1]
            print(f"| {name} | {batch} | {a:.3f} | {b:.3f} | {b / a:.2f} |")


if __name__ == "__main__":
    main()
