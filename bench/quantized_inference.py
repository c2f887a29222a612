"""int8 weights in dlg and in ONNX Runtime, side by side: file size, test accuracy, latency.

  python bench/quantized_inference.py [--dlg .build/release/dlg] [--model graphs/fashion_mnist.dlg]
      [--weights out/fashion_mnist.safetensors] [--batches 1 16 64] [--rounds 3]

From one trained f32 weights file it makes four models: dlg f32, dlg int8 (`dlg quantize`),
ONNX Runtime f32 (`dlg export`) and ONNX Runtime int8 (`quantize_dynamic` of that export,
per channel, QInt8 weights, as ONNX Runtime's documentation recommends for CPUs). Accuracy is
each on the model's test set (dlg with `dlg eval`, ONNX Runtime on the same IDX files scaled
as the model's `data` line says, 1/255 for Fashion-MNIST); latency is `dlg bench --inference
--weights W --threads 2` against ONNX Runtime with 2 intra-op threads, sequential execution and
all graph optimizations, alternating, medians of the rounds. Needs numpy, onnx and onnxruntime
(scripts/onnx-venv.sh makes a venv).
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import QuantType, quantize_dynamic

import onnx_inference  # the ONNX Runtime settings and timing, shared (this script's folder)
from onnx_inference import ort_ms


def session(path):
    """A session as onnx_inference.py times it."""
    return ort.InferenceSession(path, onnx_inference.session_options(),
                                providers=["CPUExecutionProvider"])


def idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def ort_accuracy(path, data, scale):
    s = session(path)
    feed = s.get_inputs()[0]
    images = idx(os.path.join(data, "t10k-images-idx3-ubyte.gz")).astype(np.float32) * scale
    labels = idx(os.path.join(data, "t10k-labels-idx1-ubyte.gz"))
    # One channel: NHWC and NCHW hold the same bytes.
    images = images.reshape([len(images)] + [d for d in feed.shape[1:]])
    correct = 0
    for begin in range(0, len(images), 256):
        scores = s.run(None, {feed.name: images[begin:begin + 256]})[0]
        correct += int((scores.argmax(axis=1) == labels[begin:begin + 256]).sum())
    return correct / len(labels)


def dlg(args, *arguments):
    return subprocess.run([args.dlg, *arguments], check=True, capture_output=True, text=True)


def dlg_ms(args, weights, batch):
    steps = 2000 if batch == 1 else 300
    out = dlg(args, "bench", args.model, "--inference", "--weights", weights, "--batch",
              str(batch), "--threads", "2", "--steps", str(steps), "--json").stdout
    return json.loads(out)["ms_per_step"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dlg", default=".build/release/dlg")
    parser.add_argument("--model", default="graphs/fashion_mnist.dlg")
    parser.add_argument("--weights", default="out/fashion_mnist.safetensors")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--scale", type=float, default=1 / 255)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="dlg-int8-")
    int8 = os.path.join(folder, "w.int8.safetensors")
    f32_onnx = os.path.join(folder, "f32.onnx")
    int8_onnx = os.path.join(folder, "int8.onnx")
    dlg(args, "quantize", args.model, "--weights", args.weights, "-o", int8)
    dlg(args, "export", args.model, "--weights", args.weights, "-o", f32_onnx)
    quantize_dynamic(f32_onnx, int8_onnx, per_channel=True, weight_type=QuantType.QInt8)

    def dlg_accuracy(weights):
        return json.loads(dlg(args, "eval", args.model, "--weights", weights, "--json").stdout)[
            "accuracy"]

    rows = [
        ("dlg f32", args.weights, lambda: dlg_accuracy(args.weights), lambda b: dlg_ms(args, args.weights, b)),
        ("dlg int8", int8, lambda: dlg_accuracy(int8), lambda b: dlg_ms(args, int8, b)),
        ("ONNX Runtime f32", f32_onnx, lambda: ort_accuracy(f32_onnx, args.data, args.scale),
         lambda b: ort_ms(f32_onnx, b)),
        ("ONNX Runtime int8", int8_onnx, lambda: ort_accuracy(int8_onnx, args.data, args.scale),
         lambda b: ort_ms(int8_onnx, b)),
    ]
    accuracy = {name: measure() for name, _, measure, _ in rows}
    times = {(name, b): [] for name, *_ in rows for b in args.batches}
    for _ in range(args.rounds):
        for batch in args.batches:
            for name, _, _, timed in rows:
                times[(name, batch)].append(timed(batch))

    print(f"onnxruntime {ort.__version__}; {args.model}; medians of {args.rounds} alternating "
          f"rounds, 2 threads")
    header = "| model | file | test accuracy | " + " | ".join(
        f"batch {b} ms" for b in args.batches) + " |"
    print(header)
    print("|---|---:|---:|" + "---:|" * len(args.batches))
    for name, path, _, _ in rows:
        size = os.path.getsize(path) / 2**20
        cells = " | ".join(f"{statistics.median(times[(name, b)]):.3f}" for b in args.batches)
        print(f"| {name} | {size:.2f} MiB | {accuracy[name]:.4f} | {cells} |")


if __name__ == "__main__":
    main()
