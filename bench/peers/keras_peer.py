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
  lstm_sentiment graphs/lstm_sentiment.dlg: Embedding 10000x32, a bidirectional LSTM of 32
                 units a direction (both final states joined), Dense 1; Adam 3e-3, gradients
                 clipped to global norm 1; batch 32
  char_lstm      graphs/char_lstm.dlg: Embedding 3000x128, two LSTMs of 256 units returning
                 every step, Dense 3000 on every position; AdamW 2e-3 (weight decay 0.01,
                 dlg's cosine schedule with 100 warm-up steps), clipping to norm 1; batch 32
  char_transformer graphs/char_transformer.dlg: Embedding 3000x128, a learned positional
                 table, 4 pre-norm decoder blocks (causal 4-head attention without a key bias,
                 as dlg's; a tanh-GELU feed-forward of 512), LayerNorm, Dense 3000; AdamW 1e-3
                 otherwise as char_lstm; batch 32

The LSTMs start as dlg's and PyTorch's do, every weight and bias uniform in +-1/sqrt(units),
with one difference Keras cannot avoid: its LSTM has one bias per gate where dlg (in PyTorch's
layout) has two that are added, the same function with 4 x units more parameters a layer. The
record's `dlg_layout_parameters` counts what the same model has in dlg's layout. The character
models read bench/peers/datasets.py's `character_pieces` (Debian's fortunes-zh by default,
`--file`), and report the validation loss of the held-out 5% after training.

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
import math
import os
import resource
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # no start-up banners on stderr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402  (the data readers every peer shares, next to this file)
import numpy as np  # noqa: E402

BATCH = {"fashion_mnist": 32, "lenet_cifar10": 4, "cnn_cifar10": 32, "text_conv1d": 32,
         "lstm_sentiment": 32, "char_lstm": 32, "char_transformer": 32}
LANGUAGE_MODELS = ("char_lstm", "char_transformer")
SEQUENCE_LENGTH = {"text_conv1d": 100, "lstm_sentiment": 100, "char_lstm": 64,
                   "char_transformer": 64}
WARMUP = 100    # the character models' cosine(warmup: 100)


def cosine_schedule(keras, rate, total_steps):
    """dlg's cosine(warmup:) on `rate`: for the 1-based step s, s / warm-up during the warm-up,
    then a half cosine from 1 down to 0 at the run's last step. Keras passes the number of
    updates already made, s - 1."""
    ops = keras.ops

    class Cosine(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, iterations):
            step = ops.cast(iterations, "float32") + 1.0
            warm = step / WARMUP
            progress = ops.minimum((step - WARMUP) / max(total_steps - WARMUP, 1), 1.0)
            decay = 0.5 * (1.0 + ops.cos(math.pi * progress))
            return rate * ops.where(step < WARMUP, warm, decay)

        def get_config(self):
            return {"rate": rate, "total_steps": total_steps}

    return Cosine()


def torch_lstm(keras, units, **options):
    """An LSTM layer started as dlg's (and PyTorch's): U(-1/sqrt(units), 1/sqrt(units)) for
    every weight and the bias, no forget-gate bias of 1."""
    limit = 1 / math.sqrt(units)
    uniform = keras.initializers.RandomUniform(-limit, limit)
    return keras.layers.LSTM(units, kernel_initializer=uniform, recurrent_initializer=uniform,
                             bias_initializer=uniform, unit_forget_bias=False, **options)


def transformer(keras):
    """graphs/char_transformer.dlg: stdlib/transformer.dlg's TransformerDecoderBlock x 4."""
    L, ops = keras.layers, keras.ops
    width, heads, ff, length, vocabulary = 128, 4, 512, 64, 3000
    key_dim = width // heads

    class Positional(L.Layer):
        """PositionalEmbedding[64, 128]: a learned table added to every sample."""

        def build(self, shape):
            self.table = self.add_weight(shape=(length, width), initializer="glorot_uniform")

        def call(self, x):
            return x + self.table

    class CausalSelfAttention(L.Layer):
        """MultiHeadAttention[4, causal: true] as dlg's: q, k and v from one [128, 384]
        product (three Glorot blocks), biases on q and v only, scaled dot products masked
        above the diagonal, the heads joined and projected back."""

        def build(self, shape):
            glorot = keras.initializers.GlorotUniform()
            self.qkv = self.add_weight(shape=(width, 3 * width), initializer=lambda shape, dtype:
                                       ops.concatenate([glorot((width, width), dtype)
                                                        for _ in range(3)], axis=1))
            self.q_bias = self.add_weight(shape=(width,), initializer="zeros")
            self.v_bias = self.add_weight(shape=(width,), initializer="zeros")
            self.out = L.Dense(width)
            self.out.build((None, length, width))
            self.mask = np.triu(np.full((length, length), -np.inf, dtype=np.float32), 1)

        def call(self, x):
            bias = ops.concatenate([self.q_bias, ops.zeros((width,)), self.v_bias])
            qkv = ops.reshape(ops.matmul(x, self.qkv) + bias, (-1, length, 3, heads, key_dim))
            q, k, v = (ops.transpose(qkv[:, :, i], (0, 2, 1, 3)) for i in range(3))
            scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / math.sqrt(key_dim)
            weights = ops.softmax(scores + self.mask, axis=-1)
            joined = ops.reshape(ops.transpose(ops.matmul(weights, v), (0, 2, 1, 3)),
                                 (-1, length, width))
            return self.out(joined)

    def gelu(x):
        return keras.activations.gelu(x, approximate=True)

    chars = keras.Input((length,), dtype="int32")
    x = L.Embedding(vocabulary, width, embeddings_initializer="glorot_uniform")(chars)
    x = Positional()(x)
    for _ in range(4):
        x = x + CausalSelfAttention()(L.LayerNormalization(epsilon=1e-5)(x))
        y = L.Dense(ff, activation=gelu)(L.LayerNormalization(epsilon=1e-5)(x))
        x = x + L.Dense(width)(y)
    x = L.LayerNormalization(epsilon=1e-5)(x)
    return keras.Model(chars, L.Dense(vocabulary)(x))


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
    elif name == "lstm_sentiment":
        layers = [keras.Input((100,), dtype="int32"),
                  L.Embedding(10000, 32, embeddings_initializer="glorot_uniform"),
                  L.Bidirectional(torch_lstm(keras, 32)), L.Dense(1)]
        optimizer = keras.optimizers.Adam(3e-3, epsilon=1e-7, global_clipnorm=1.0)
    elif name in LANGUAGE_MODELS:
        if name == "char_lstm":
            model = keras.Sequential([
                keras.Input((64,), dtype="int32"),
                L.Embedding(3000, 128, embeddings_initializer="glorot_uniform"),
                torch_lstm(keras, 256, return_sequences=True),
                torch_lstm(keras, 256, return_sequences=True), L.Dense(3000)])
        else:
            model = transformer(keras)
        rate = cosine_schedule(keras, 2e-3 if name == "char_lstm" else 1e-3, total_steps)
        return model, keras.optimizers.AdamW(rate, weight_decay=0.01, epsilon=1e-7,
                                             global_clipnorm=1.0)
    else:
        raise SystemExit(f"unknown model {name}")
    return keras.Sequential(layers), optimizer


def dlg_layout_parameters(model):
    """The parameters the same model has in dlg's layout: every LSTM layer has a second bias
    of 4 x units there."""
    extra = 0
    for layer in model._flatten_layers():
        if type(layer).__name__ == "LSTM":
            extra += 4 * layer.units
    return int(model.count_params()) + extra


def load(name, data):
    """(x, y), (test x, test y) as NumPy arrays in Keras's layout; the character models' test
    set is the validation split."""
    if name in LANGUAGE_MODELS:
        (x, y, vx, vy), _, _ = datasets.character_pieces(data or datasets.FORTUNES_ZH)
        return (x.astype("int32"), y.astype("int32")), (vx.astype("int32"), vy.astype("int32"))
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
    parser.add_argument("--data", "--file", help="the data folder, or the character models' "
                        "text file (default: the model's own)")
    parser.add_argument("--limit-steps", type=int, default=0,
                        help="stop each epoch after N steps (0: the whole epoch); the schedule "
                             "still counts the full run's steps")
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
    binary = args.model in ("text_conv1d", "lstm_sentiment")
    if binary:
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
        accuracy = keras.metrics.BinaryAccuracy(threshold=0.0)
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        accuracy = keras.metrics.SparseCategoricalAccuracy()
    model.compile(optimizer=optimizer, loss=loss, metrics=[accuracy], jit_compile=args.xla)

    if args.limit_steps:
        # Every epoch's first N batches: fit takes that many steps, then starts a new epoch.
        fit_options = {"steps_per_epoch": min(args.limit_steps, steps)}
    else:
        fit_options = {}
    epoch_samples = min(len(x), args.limit_steps * batch) if args.limit_steps else len(x)
    length = SEQUENCE_LENGTH.get(args.model)
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
                "dlg_layout_parameters": dlg_layout_parameters(self.model),
                "threads": args.threads, "epoch": epoch + 1,
                "train_loss": float(logs["loss"]), "train_accuracy": float(logs[accuracy.name]),
                "seconds": seconds, "samples_per_second": epoch_samples / seconds,
                "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            })
            if length:
                records[-1]["tokens_per_second"] = epoch_samples * length / seconds

    model.fit(x, y, batch_size=batch, epochs=args.epochs, shuffle=True, verbose=0,
              callbacks=[EpochTimer()], **fit_options)
    # The test set once, after training: evaluating inside fit's epochs makes XLA compile the
    # training step again in the next epoch.
    test_loss, test_accuracy = model.evaluate(tx, ty, batch_size=batch, verbose=0)
    split = "validation" if args.model in LANGUAGE_MODELS else "test"
    records[-1].update({f"{split}_loss": float(test_loss),
                        f"{split}_accuracy": float(test_accuracy)})
    for record in records:
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
