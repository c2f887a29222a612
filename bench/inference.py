"""Inference latency of dlg and its peers side by side: PyTorch, ONNX Runtime (PyTorch's model
through torch.onnx.export), TensorFlow/Keras and TensorFlow/Keras with XLA.

  python3 bench/inference.py [--model fashion_mnist|lenet_cifar10|cnn_cifar10|all]
      [--batches 1 16 64] [--rounds 3] [--threads 2] [--seconds 1]

dlg runs `dlg bench graphs/M.dlg --inference --batch B --threads T --json` (the plan `dlg
predict` runs: the forward graph alone, no loss, labels or metrics, compiled once per batch
size); each peer runs bench/peers/inference_peer.py in its own venv (bench/peers/setup.sh
makes them). Each round runs every framework once, the order turning by one every round;
the report gives the median latency of each at each batch size, and dlg's ratio to the
fastest peer (fastest peer's ms / dlg's ms: above 1 means dlg is faster). Results also go to
bench/results/inference.md with the machine and the versions. As in compare.py, dlg runs
without OPENBLAS_CORETYPE in its environment.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

import compare  # dlg's environment, shared with the training comparison (this folder)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLG = os.path.join(ROOT, ".build/release/dlg")
PYTHON = os.path.join(ROOT, "bench/.venv/bin/python")
PYTHON_TF = os.path.join(ROOT, "bench/.venv-tf/bin/python")
PEER = os.path.join(ROOT, "bench/peers/inference_peer.py")
GRAPHS = {"fashion_mnist": "graphs/fashion_mnist.dlg", "lenet_cifar10": "graphs/lenet_cifar10.dlg",
          "cnn_cifar10": "graphs/cnn_cifar10.dlg"}
EXPORTS = {"fashion_mnist": "fashion_mnist_cnn.onnx", "lenet_cifar10": "lenet_cifar10.onnx",
           "cnn_cifar10": "cnn_cifar10.onnx"}
PEERS = ["onnxruntime", "pytorch", "tensorflow", "tensorflow-xla"]


def run_json(command, env=None):
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"failed (exit {out.returncode}): {' '.join(command)}\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def dlg_ms(model, batches, args):
    """dlg's latency at each batch size: as many steps as fill about --seconds."""
    latencies = {}
    for batch in batches:
        steps = max(50, int(args.seconds * 1000 / (0.1 * batch)))   # ~0.1 ms a sample at most
        result = run_json([DLG, "bench", GRAPHS[model], "--inference", "--batch", str(batch),
                           "--threads", str(args.threads), "--steps", str(min(steps, 5000)),
                           "--json"], env=compare.dlg_environment())
        latencies[batch] = result["ms_per_step"]
    return latencies


def peer_ms(framework, model, batches, args, exports):
    python = PYTHON if framework == "pytorch" else PYTHON_TF
    command = [python, PEER, "--framework", framework, "--model", model, "--threads",
               str(args.threads), "--seconds", str(args.seconds), "--batches",
               *map(str, batches)]
    if framework == "onnxruntime":
        command += ["--onnx", os.path.join(exports, EXPORTS[model])]
    result = run_json(command)
    return result["version"], {int(b): ms for b, ms in result["ms"].items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=list(GRAPHS) + ["all"], default="fashion_mnist")
    parser.add_argument("--peers", nargs="+", choices=PEERS, default=PEERS)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="time each batch size for about this long per round")
    parser.add_argument("--markdown", default=os.path.join(ROOT, "bench/results/inference.md"))
    args = parser.parse_args()
    if any(b < 1 for b in args.batches):
        parser.error("--batches wants sizes of at least 1")
    for path, what in ((DLG, "run `swift build -c release`"),
                       (PYTHON, "run `bash bench/peers/setup.sh`"),
                       (PYTHON_TF, "run `bash bench/peers/setup.sh`")):
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing: {what} first")
    models = list(GRAPHS) if args.model == "all" else [args.model]
    frameworks = ["dlg"] + args.peers
    versions = {}
    rows = []
    with tempfile.TemporaryDirectory(prefix="dlg-inference-") as exports:
        subprocess.run([PYTHON, "-W", "ignore", os.path.join(ROOT, "bench/peers/torch_onnx_export.py"),
                        exports], cwd=ROOT, check=True, capture_output=True)
        for model in models:
            times = {f: {b: [] for b in args.batches} for f in frameworks}
            print(f"== {model}: {', '.join(frameworks)}; batches {args.batches}, "
                  f"{args.threads} threads, {args.rounds} round(s)", flush=True)
            for round_ in range(args.rounds):
                turn = round_ % len(frameworks)
                for framework in frameworks[turn:] + frameworks[:turn]:
                    if framework == "dlg":
                        latencies = dlg_ms(model, args.batches, args)
                    else:
                        versions[framework], latencies = peer_ms(
                            framework, model, args.batches, args, exports)
                    for batch, ms in latencies.items():
                        times[framework][batch].append(ms)
                    print(f"round {round_ + 1} {framework + ':':15} "
                          + "  ".join(f"b{b} {ms:.3f} ms" for b, ms in latencies.items()),
                          flush=True)
            for batch in args.batches:
                medians = {f: statistics.median(times[f][batch]) for f in frameworks}
                best = min(args.peers, key=lambda p: medians[p])
                rows.append((model, batch, medians, best, medians[best] / medians["dlg"]))

    header = "| model | batch | " + " | ".join(f"{f} ms" for f in frameworks) + \
        " | fastest peer / dlg |"
    lines = [header, "|---|---:|" + "---:|" * (len(frameworks) + 1)]
    for model, batch, medians, best, ratio in rows:
        lines.append(f"| {model} | {batch} | " + " | ".join(f"{medians[f]:.3f}" for f in frameworks)
                     + f" | {ratio:.2f}× ({best}) |")
    print("\n".join(lines))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    os.makedirs(os.path.dirname(args.markdown), exist_ok=True)
    with open(args.markdown, "w") as f:
        f.write("# Inference latency: dlg and its peers\n\n")
        f.write(f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n\n")
        f.write(f"Versions: dlg at {commit}; " + "; ".join(sorted(set(versions.values()))) + "\n\n")
        f.write(f"`python3 bench/inference.py {' '.join(sys.argv[1:])}`: {args.threads} threads, "
                f"medians of {args.rounds} alternating rounds, ms per batch.\n\n")
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.markdown}")


if __name__ == "__main__":
    main()
