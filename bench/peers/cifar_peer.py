"""What the CIFAR-10 peers share: reading the binary files, the training loop and the output.

bench/peers/lenet_cifar10.py and bench/peers/cnn_cifar10.py define a model and an optimizer
and hand them to `run`. Output is one JSON object per epoch on stdout, with the keys dlg's
--log writes (as bench/peers/fashion_mnist_cnn.py does), so bench/compare.py reads both alike.
Only the training loop is timed: the data is in memory, as float tensors, before the clock
starts, and evaluating on the test data happens after it stops.
"""

import argparse
import json
import os
import resource
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402  (the data readers every peer shares, next to this file)

DEFAULT_DATA = datasets.CIFAR


def read_cifar(folder, split):
    """Images (N, 3, 32, 32) float32 scaled by 1/255 and labels (N,) int64 of a split, as
    tensors (bench/peers/datasets.py reads them; the files store PyTorch's NCHW already)."""
    images, labels = datasets.cifar(folder, split)
    return torch.from_numpy(images), torch.from_numpy(labels)


def dlg_init(net):
    """Initializes like dlg: Glorot (Xavier) uniform weights, zero biases.

    dlg's Glorot limit for a convolution is sqrt(6 / (kh*kw*in + kh*kw*out)), which is what
    PyTorch's xavier_uniform_ computes for a (out, in, kh, kw) weight too.
    """
    for layer in net.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)


def parameter_count(net):
    return sum(p.numel() for p in net.parameters())


def evaluate(net, x, y, batch):
    """Mean cross-entropy and accuracy on (x, y), without gradients, at the training batch
    size as dlg does (a larger batch would only raise PyTorch's peak memory)."""
    net.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = net(x[i : i + batch])
            loss_sum += nn.functional.cross_entropy(logits, y[i : i + batch], reduction="sum").item()
            correct += (logits.argmax(1) == y[i : i + batch]).sum().item()
    net.train()
    return loss_sum / len(x), correct / len(x)


def arguments(description, batch):
    """The command line every CIFAR peer takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", default=DEFAULT_DATA,
                        help="folder with the CIFAR-10 binary files (default: bench/make_cifar.py's)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=batch)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0,
                        help="train on the first N training samples only (0: all)")
    parser.add_argument("--init", choices=["dlg", "torch"], default="dlg",
                        help="dlg: Glorot uniform weights and zero biases, as dlg does; "
                             "torch: PyTorch's default initialization")
    return parser.parse_args()


def run(name, make_model, make_optimizer, args):
    """Trains make_model() with make_optimizer(parameters) as the arguments say."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = read_cifar(args.data, "train")
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    tx, ty = read_cifar(args.data, "test")
    net = make_model()
    if args.init == "dlg":
        dlg_init(net)
    optimizer = make_optimizer(net.parameters())
    parameters = parameter_count(net)
    # stderr, so stdout stays one JSON object per line.
    print(f"{name}: {parameters} parameters, {len(x)} training and {len(tx)} test samples",
          file=sys.stderr, flush=True)
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(x))   # a new shuffle every epoch
        loss_sum, correct = 0.0, 0
        start = time.perf_counter()
        for i in range(0, len(x), args.batch):
            index = order[i : i + args.batch]
            logits = net(x[index])
            loss = nn.functional.cross_entropy(logits, y[index])   # softmax cross-entropy
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(index)
            correct += (logits.argmax(1) == y[index]).sum().item()
        seconds = time.perf_counter() - start
        test_loss, test_accuracy = evaluate(net, tx, ty, args.batch)
        print(json.dumps({
            "framework": "pytorch", "version": torch.__version__, "model": name,
            "parameters": parameters, "threads": args.threads, "epoch": epoch,
            "train_loss": loss_sum / len(x), "train_accuracy": correct / len(x),
            "test_loss": test_loss, "test_accuracy": test_accuracy, "seconds": seconds,
            "samples_per_second": len(x) / seconds,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }), flush=True)
