"""dlg's benchmarked models in TensorFlow/Keras, for side-by-side timing, with or without XLA.

  bench/.venv-tf/bin/python bench/peers/keras_peer.py --model fashion_mnist [--xla]
      [--epochs 1] [--batch 32] [--threads 2] [--seed 1] [--data DIR]

Models, each as its .dlg file and its PyTorch peer define it (layers, valid padding, Glorot
uniform weights and zero biases, which are Keras's defaults too, loss, optimizer, schedule,
batch):

  fashion_mnist  graphs/fashion_mnist.dlg: Conv2D 32@3x3, Dense 128, Dense 10; Adam 1e-3 with
                 a cosine decay to 0 over the run; batch 32
  lenet_cifar10  graphs/lenet_cifar10.dlg: LeNet; SGD 1e-3 with momentum 0.9; batch 4
  cnn_cifar10    graphs/cnn_cifar10.dlg: Conv2D 32/64/64; Adam 1e-3; batch 32
  text_conv1d    graphs/text_conv1d.dlg: Embedding 10000x16, Conv1D 32@5, pooling, Dense 16,
                 Dense 1 (the logit); Adam 1e-3; batch 32

Keras keeps images as NHWC, as dlg does, so even the Flatten order is dlg's. Training is
`model.fit` on arrays in memory, shuffled every epoch, as a Keras user writes it; `--xla`
compiles the step with XLA (`jit_compile=True`), and without it the step is a plain
`tf.function` (`jit_compile=False`: Keras 3's default "auto" would pick XLA). The time of
each epoch comes from a callback at its start and end, so data loading and evaluation are
outside it. Prints one JSON object per epoch with the keys dlg's --log writes (the test loss
and accuracy in the last one only: the test set is evaluated once, after training).
"""

import argparse
import json
import os
import resource
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # no start-up banners on stderr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402  (the data readers every peer shares, next to this file)

BATCH = {"fashion_mnist": 32, "lenet_cifar10": 4, "cnn_cifar10": 32, "text_conv1d": 32}


def build(name, keras, total_steps):
    """The model and its optimizer; `total_steps` sizes the cosine schedule."""
    L = keras.layers
    if name == "fashion_mnist":
        layers = [keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.Flatten(),
                  L.Dense(128, activation="relu"), L.Dense(10)]
        rate = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=max(total_steps, 1))
        optimizer = keras.optimizers.Adam(rate, epsilon=1e-7)
    elif name == "lenet_cifar10":
        layers = [keras.Input((32, 32, 3)),
                  L.Conv2D(6, 5, activation="relu"), L.MaxPooling2D(2),
                  L.Conv2D(16, 5, activation="relu"), L.MaxPooling2D(2), L.Flatten(),
                  L.Dense(120, activation="relu"), L.Dense(84, activation="relu"), L.Dense(10)]
        optimizer = keras.optimizers.SGD(1e-3, momentum=0.9)
    elif name == "cnn_cifar10":
        layers = [keras.Input((32, 32, 3)),
                  L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
                  L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2),
                  L.Conv2D(64, 3, activation="relu"), L.Flatten(),
                  L.Dense(64, activation="relu"), L.Dense(10)]
        optimizer = keras.optimizers.Adam(1e-3, epsilon=1e-7)
    elif name == "text_conv1d":
        layers = [keras.Input((100,), dtype="int32"),
                  L.Embedding(10000, 16, embeddings_initializer="glorot_uniform"),
                  L.Conv1D(32, 5, activation="relu"), L.MaxPooling1D(2),
                  L.GlobalMaxPooling1D(), L.Dense(16, activation="relu"), L.Dense(1)]
        optimizer = keras.optimizers.Adam(1e-3, epsilon=1e-7)
    else:
        raise SystemExit(f"unknown model {name}")
    return keras.Sequential(layers), optimizer


def load(name, data):
    """(x, y), (test x, test y) as NumPy arrays in Keras's layout."""
    if name == "fashion_mnist":
        folder = data or datasets.FASHION_MNIST
        (x, y), (tx, ty) = (datasets.fashion_mnist(folder, s) for s in ("train", "t10k"))
        return (x[..., None], y), (tx[..., None], ty)
    if name in ("lenet_cifar10", "cnn_cifar10"):
        folder = data or datasets.CIFAR
        return tuple(datasets.cifar(folder, s, layout="NHWC") for s in ("train", "test"))
    (x, y), (tx, ty) = datasets.reviews()
    return (x.astype("int32"), y), (tx.astype("int32"), ty)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(BATCH), required=True)
    parser.add_argument("--xla", action="store_true", help="compile the step with XLA")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=0, help="default: the model's own")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", help="the data folder (default: the model's own)")
    args = parser.parse_args()
    batch = args.batch or BATCH[args.model]

    import tensorflow as tf
    # Before anything runs: intra-op threads split each op, inter-op threads run independent
    # ops side by side (what TensorFlow picks on a machine with this many cores).
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras
    keras.utils.set_random_seed(args.seed)

    (x, y), (tx, ty) = load(args.model, args.data)
    steps = -(-len(x) // batch)
    model, optimizer = build(args.model, keras, args.epochs * steps)
    binary = args.model == "text_conv1d"
    if binary:
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
        accuracy = keras.metrics.BinaryAccuracy(threshold=0.0)
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        accuracy = keras.metrics.SparseCategoricalAccuracy()
    model.compile(optimizer=optimizer, loss=loss, metrics=[accuracy], jit_compile=args.xla)

    records = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.start
            records.append({
                "framework": "tensorflow-xla" if args.xla else "tensorflow",
                "version": f"tensorflow {tf.__version__}, keras {keras.__version__}",
                "model": args.model, "parameters": int(self.model.count_params()),
                "threads": args.threads, "epoch": epoch + 1,
                "train_loss": float(logs["loss"]), "train_accuracy": float(logs[accuracy.name]),
                "seconds": seconds, "samples_per_second": len(x) / seconds,
                "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            })

    model.fit(x, y, batch_size=batch, epochs=args.epochs, shuffle=True, verbose=0,
              callbacks=[EpochTimer()])
    # The test set once, after training: evaluating inside fit's epochs makes XLA compile the
    # training step again in the next epoch.
    test_loss, test_accuracy = model.evaluate(tx, ty, batch_size=batch, verbose=0)
    records[-1].update(test_loss=float(test_loss), test_accuracy=float(test_accuracy))
    for record in records:
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
