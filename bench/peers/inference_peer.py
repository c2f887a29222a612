"""Inference latency of a benchmarked model in one peer framework, at several batch sizes.

  bench/.venv/bin/python    bench/peers/inference_peer.py --framework pytorch --model fashion_mnist
  bench/.venv-tf/bin/python bench/peers/inference_peer.py --framework onnxruntime --model M --onnx F
  bench/.venv-tf/bin/python bench/peers/inference_peer.py --framework tensorflow[-xla] --model M

  --batches 1 16 64 --seconds 1 --threads 2

Frameworks, each as its users run a trained model:
  pytorch         the PyTorch peer's model in eval mode under torch.inference_mode()
  onnxruntime     that model exported by torch.onnx.export (bench/peers/torch_onnx_export.py),
                  in ONNX Runtime with --threads intra-op threads, sequential execution and all
                  graph optimizations
  tensorflow      the Keras peer's model called in a tf.function (training=False)
  tensorflow-xla  the same tf.function compiled by XLA (jit_compile=True)

Inputs are random, of the model's shape (NCHW for PyTorch and ONNX Runtime, NHWC for Keras);
weights are the framework's initialization (latency does not depend on their values). Each
batch size is run 10 times to warm up, then as often as fits in --seconds; the mean is the
latency. Prints one JSON object: {"framework", "version", "model", "threads",
"ms": {batch: ms per batch}}.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SHAPES = {"fashion_mnist": (1, 28, 28), "lenet_cifar10": (3, 32, 32), "cnn_cifar10": (3, 32, 32)}


def timed(run, seconds):
    """Mean milliseconds of run() after 10 warm-up calls, over about `seconds`."""
    for _ in range(10):
        run()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run()
        count += 1
    return (time.perf_counter() - start) / count * 1000


def pytorch(args):
    import torch
    torch.set_num_threads(args.threads)
    import cifar_peer  # noqa: F401  (the CIFAR peers import it by path)
    module = {"fashion_mnist": "fashion_mnist_cnn"}.get(args.model, args.model)
    net = __import__(module).model().eval()
    latencies = {}
    for batch in args.batches:
        x = torch.from_numpy(np.random.RandomState(0).rand(batch, *SHAPES[args.model])
                             .astype(np.float32))

        def run():
            with torch.inference_mode():
                net(x)
        latencies[batch] = timed(run, args.seconds)
    return torch.__version__, latencies


def onnxruntime(args):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    latencies = {}
    for batch in args.batches:
        x = np.random.RandomState(0).rand(batch, *SHAPES[args.model]).astype(np.float32)
        latencies[batch] = timed(lambda: session.run(None, {name: x}), args.seconds)
    return f"onnxruntime {ort.__version__}", latencies


def tensorflow(args, xla):
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras
    import keras_peer
    model, _ = keras_peer.build(args.model, keras, 1)
    forward = tf.function(lambda x: model(x, training=False), jit_compile=xla)
    latencies = {}
    for batch in args.batches:
        c, h, w = SHAPES[args.model]
        x = tf.constant(np.random.RandomState(0).rand(batch, h, w, c).astype(np.float32))
        # .numpy() waits for the result, as a caller that uses it does.
        latencies[batch] = timed(lambda: forward(x).numpy(), args.seconds)
    return f"tensorflow {tf.__version__}, keras {keras.__version__}", latencies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", required=True,
                        choices=["pytorch", "onnxruntime", "tensorflow", "tensorflow-xla"])
    parser.add_argument("--model", required=True, choices=sorted(SHAPES))
    parser.add_argument("--onnx", help="onnxruntime: the exported model file")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.framework == "onnxruntime" and not args.onnx:
        parser.error("onnxruntime needs --onnx FILE (bench/peers/torch_onnx_export.py writes it)")
    if args.framework == "pytorch":
        version, latencies = pytorch(args)
    elif args.framework == "onnxruntime":
        version, latencies = onnxruntime(args)
    else:
        version, latencies = tensorflow(args, xla=args.framework == "tensorflow-xla")
    print(json.dumps({"framework": args.framework, "version": version, "model": args.model,
                      "threads": args.threads, "ms": latencies}), flush=True)


if __name__ == "__main__":
    main()
