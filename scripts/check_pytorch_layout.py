"""Checks that dlg reads PyTorch weights with `init weights("...", layout: pytorch)`.

  /tmp/ptv/bin/python scripts/check_pytorch_layout.py [DLG] [--keep DIR] [--only CASE ...]

DLG is the dlg binary (default `.build/release/dlg`, relative to the current folder). Needs
torch, numpy and safetensors, e.g. in a venv:

  python3 -m venv /tmp/ptv && /tmp/ptv/bin/pip install torch numpy safetensors

For each case below the script builds a small seeded PyTorch model whose module names are the
dlg layer ids, sets non-trivial BatchNorm statistics and puts it in eval mode, saves its
`state_dict()` with `safetensors.torch.save_file`, writes a small random dataset (MNIST IDX
files, or .npy arrays for the recurrent cases) and a matching .dlg file whose train section
starts from those weights (`layout: pytorch`), freezes every layer (so a frozen BatchNorm keeps
and uses its running statistics) and trains one epoch with `SGD(lr: 0)`. Then

  dlg run model.dlg --save w.safetensors      (must print "init: loaded N tensor(s)", N = every
                                               tensor but `num_batches_tracked`, none random)
  dlg predict model.dlg --weights w.safetensors --input <test samples> -o p.npy

and p.npy is compared with PyTorch's softmax(model(x)) (computed in float64) on the same
samples (NHWC uint8 images scaled by 1/255 and made NCHW for PyTorch). A case passes when the
largest absolute difference is at most 1e-4 (float32 rounding gives ~1e-7). Exits 1 if any
case fails, naming it.

Cases:
  cnn          conv1 (bias) - bn1 - relu - pool - conv2 - relu - pool - flatten - fc - relu -
               out: Conv2d/BatchNorm2d layouts and the NCHW->NHWC row order of `fc`.
  cnn_dropout  the same with Dropout between Flatten and fc (eval mode: the identity), which
               must not change how fc's rows are reordered.
  cnn_flat_bn  Dropout and a BatchNorm1d over the flattened features before fc: the norm's
               vectors are in PyTorch's channel-first feature order too.
  mlp_bn       flatten - fc - BatchNorm1d - relu - out on the 28x28x1 images.
  lstm         a bidirectional LSTM (`weight_ih_l0`, `..._l0_reverse`) - Linear on the final
               states.
  gru          a GRU - Linear.
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import safetensors
import safetensors.torch
import torch
from torch import nn

TOLERANCE = 1e-4
SAMPLES = 48


# --- Models ---------------------------------------------------------------------------------


def randomize_batch_norm(model, generator):
    """Non-trivial affine parameters and running statistics, so a wrong mapping shows."""
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = module.num_features
            with torch.no_grad():
                module.weight.copy_(1 + 0.3 * torch.randn(n, generator=generator))
                module.bias.copy_(0.2 * torch.randn(n, generator=generator))
                module.running_mean.copy_(0.5 * torch.randn(n, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
                module.num_batches_tracked.fill_(100)


class CNN(nn.Module):
    def __init__(self, dropout, flat_norm=False):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.drop = nn.Dropout(0.3) if dropout else nn.Identity()
        self.drop_norm = nn.BatchNorm1d(16 * 7 * 7) if flat_norm else nn.Identity()
        self.fc = nn.Linear(16 * 7 * 7, 32)
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = self.drop_norm(self.drop(torch.flatten(x, 1)))
        return self.out(torch.relu(self.fc(x)))


CNN_DLG = """\
neuralnet
  image: Input[28, 28, 1]
  conv1: Conv2D[8, 3x3, padding: same]
  bn1:   BatchNorm
  act1:  ReLU
  pool1: MaxPool2D[2]
  conv2: Conv2D[16, 3x3, relu, padding: same]
  pool2: MaxPool2D[2]
  flat:  Flatten
{drop_layer}  fc:    Dense[32, relu]
  out:   Dense[10]
  image --> conv1 --> bn1 --> act1 --> pool1 --> conv2 --> pool2 --> flat{drop_edge} --> fc --> out
"""


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(28 * 28, 32)
        self.bn = nn.BatchNorm1d(32)
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        return self.out(torch.relu(self.bn(self.fc(torch.flatten(x, 1)))))


MLP_DLG = """\
neuralnet
  image: Input[28, 28, 1]
  flat:  Flatten
  fc:    Dense[32]
  bn:    BatchNorm
  act:   ReLU
  out:   Dense[10]
  image --> flat --> fc --> bn --> act --> out
"""

STEPS, FEATURES, UNITS = 12, 5, 16


class Recurrent(nn.Module):
    def __init__(self, cell, bidirectional):
        super().__init__()
        kind = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.bidirectional = bidirectional
        self.rnn = kind(FEATURES, UNITS, batch_first=True, bidirectional=bidirectional)
        self.out = nn.Linear(UNITS * (2 if bidirectional else 1), 10)

    def forward(self, x):
        y, _ = self.rnn(x)
        last = y[:, -1, :UNITS]
        if self.bidirectional:  # the backward loop's final state is at step 0
            last = torch.cat([last, y[:, 0, UNITS:]], dim=1)
        return self.out(last)


RECURRENT_DLG = """\
neuralnet
  x:   Input[{steps}, {features}]
  rnn: {layer}
  out: Dense[10]
  x --> rnn --> out
"""

# --- Data -----------------------------------------------------------------------------------


def write_idx(path, array):
    """An MNIST-format IDX file of unsigned bytes."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, 0x08, array.ndim))
        f.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        f.write(array.tobytes())


def image_data(folder, rng):
    """train/t10k IDX files of random images; returns the test images' file and NCHW floats."""
    data = os.path.join(folder, "data")
    os.makedirs(data, exist_ok=True)
    for split in ["train", "t10k"]:
        images = rng.integers(0, 256, size=(SAMPLES, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=SAMPLES, dtype=np.uint8)
        write_idx(os.path.join(data, f"{split}-images-idx3-ubyte"), images)
        write_idx(os.path.join(data, f"{split}-labels-idx1-ubyte"), labels)
    test = os.path.join(data, "t10k-images-idx3-ubyte")
    x = torch.from_numpy(images.astype(np.float64) / 255).reshape(SAMPLES, 1, 28, 28)
    source = (
        '  data      idx("data", split: "train", scale: 1/255)\n'
        '  test      idx("data", split: "t10k", scale: 1/255)\n'
    )
    return source, test, x


def sequence_data(folder, rng):
    """x.npy [N, T, D] float32 and y.npy [N] int64; returns the features' file and floats."""
    x = rng.standard_normal((SAMPLES, STEPS, FEATURES)).astype(np.float32)
    y = rng.integers(0, 10, size=SAMPLES).astype(np.int64)
    np.save(os.path.join(folder, "x.npy"), x)
    np.save(os.path.join(folder, "y.npy"), y)
    source = (
        '  data      npy(features: "x.npy", labels: "y.npy")\n'
        '  test      npy(features: "x.npy", labels: "y.npy")\n'
    )
    return source, os.path.join(folder, "x.npy"), torch.from_numpy(x.astype(np.float64))


def cases():
    """name -> (PyTorch model factory, dlg network text, data writer)."""
    return {
        "cnn": (
            lambda: CNN(dropout=False),
            CNN_DLG.format(drop_layer="", drop_edge=""),
            image_data,
        ),
        "cnn_dropout": (
            lambda: CNN(dropout=True),
            CNN_DLG.format(drop_layer="  drop:  Dropout[0.3]\n", drop_edge=" --> drop"),
            image_data,
        ),
        "cnn_flat_bn": (
            lambda: CNN(dropout=True, flat_norm=True),
            CNN_DLG.format(
                drop_layer="  drop:  Dropout[0.3]\n  drop_norm: BatchNorm\n",
                drop_edge=" --> drop --> drop_norm",
            ),
            image_data,
        ),
        "mlp_bn": (MLP, MLP_DLG, image_data),
        "lstm": (
            lambda: Recurrent("lstm", bidirectional=True),
            RECURRENT_DLG.format(
                steps=STEPS, features=FEATURES, layer=f"LSTM[{UNITS}, bidirectional: true]"
            ),
            sequence_data,
        ),
        "gru": (
            lambda: Recurrent("gru", bidirectional=False),
            RECURRENT_DLG.format(steps=STEPS, features=FEATURES, layer=f"GRU[{UNITS}]"),
            sequence_data,
        ),
    }


# --- Checking -------------------------------------------------------------------------------


def run(command, folder):
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(command)}` failed ({result.returncode}):\n"
            + result.stdout
            + result.stderr
        )
    return result.stdout + result.stderr


def parameter_layers(network):
    """The ids of the layers that have parameters (everything but input, activations, ...)."""
    ids = re.findall(r"^\s+(\w+):\s+(\w+)", network, re.M)
    weighted = {"Conv2D", "BatchNorm", "Dense", "LSTM", "GRU"}
    return [name for name, layer in ids if layer in weighted]


def check(name, dlg, folder, seed):
    make_model, network, write_data = cases()[name]
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = make_model()
    randomize_batch_norm(model, generator)
    model.eval()
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    safetensors.torch.save_file(state, os.path.join(folder, "torch.safetensors"))
    expected_loaded = sum(not k.endswith("num_batches_tracked") for k in state)

    source, test_file, x = write_data(folder, np.random.default_rng(seed))
    train = (
        "\ntrain\n"
        '  init      weights("torch.safetensors", layout: pytorch)\n'
        + source
        + "  loss      softmax_cross_entropy(out, labels)\n"
        "  optimizer SGD(lr: 0)\n"
        f"  freeze    [{', '.join(parameter_layers(network))}]\n"
        "  batch     16\n"
        "  epochs    1\n"
        "  seed      1\n"
    )
    with open(os.path.join(folder, "model.dlg"), "w") as f:
        f.write(network + train)

    output = run([dlg, "run", "model.dlg", "--save", "w.safetensors"], folder)
    loaded = re.search(r"init: loaded (\d+) tensor\(s\)", output)
    if not loaded:
        raise RuntimeError("`dlg run` printed no `init: loaded N tensor(s)` line:\n" + output)
    if int(loaded.group(1)) != expected_loaded or "random initialization" in output:
        raise RuntimeError(
            f"expected {expected_loaded} tensors loaded and none random:\n"
            + "\n".join(l for l in output.splitlines() if l.startswith("init:"))
        )
    run(
        [dlg, "predict", "model.dlg", "--weights", "w.safetensors", "--input", test_file,
         "-o", "p.npy"],
        folder,
    )
    actual = np.load(os.path.join(folder, "p.npy")).astype(np.float64)
    with torch.no_grad():
        reference = torch.softmax(model.double()(x), dim=1).numpy()
    if actual.shape != reference.shape:
        raise RuntimeError(f"dlg gave {actual.shape}, PyTorch {reference.shape}")
    return float(np.max(np.abs(actual - reference))), int(loaded.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dlg", nargs="?", default=".build/release/dlg", help="the dlg binary")
    parser.add_argument("--keep", metavar="DIR", help="write each case's files under DIR/CASE")
    parser.add_argument("--only", nargs="+", choices=list(cases()), help="run these cases")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    dlg = os.path.abspath(args.dlg)
    if not os.access(dlg, os.X_OK):
        print(f"no dlg binary at {dlg}", file=sys.stderr)
        return 2
    print(f"torch {torch.__version__}, safetensors {safetensors.__version__}, numpy "
          f"{np.__version__}; dlg {dlg}")
    root = args.keep or tempfile.mkdtemp(prefix="dlg-pytorch-layout-")
    failed = []
    for name in args.only or list(cases()):
        folder = os.path.join(root, name)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        try:
            worst, loaded = check(name, dlg, folder, args.seed)
        except RuntimeError as error:
            failed.append(name)
            print(f"FAIL {name}: {error}")
            continue
        ok = worst <= TOLERANCE
        if not ok:
            failed.append(name)
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {loaded} tensors loaded, "
              f"max |dlg - PyTorch| = {worst:.2e}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    if failed:
        print(f"{len(failed)} case(s) failed (tolerance {TOLERANCE}): {', '.join(failed)}"
              + ("" if args.keep else "; rerun with --keep DIR to inspect the files"))
        return 1
    print("all cases passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
