"""The Fashion-MNIST CNN of graphs/fashion_mnist.dlg in PyTorch, for side-by-side timing.

Conv2D 32@3x3 + ReLU, Flatten, Dense 128 + ReLU, Dense 10; softmax cross-entropy; Adam 1e-3
with the cosine schedule the .dlg file names (`--schedule constant` for none); batch 32,
shuffled every epoch; weights start as in dlg (Glorot uniform, zero biases). Prints one JSON
object per epoch with the keys dlg's --log writes. Only the training loop is timed; data is in
memory before the clock starts.
"""

import argparse
import json
import math
import os
import resource
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402  (the data readers every peer shares, next to this file)


def load(folder, split):
    images, labels = datasets.fashion_mnist(folder, split)
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels)


def model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(32 * 26 * 26, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def dlg_init(net):
    """Initializes like dlg: Glorot (Xavier) uniform weights, zero biases."""
    for layer in net.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)


def cosine(step, total):
    """dlg's cosine(warmup: 0) factor on the learning rate for the 1-based step of a run of
    `total` steps: a half cosine from 1 down to 0."""
    return 0.5 * (1 + math.cos(math.pi * min(step / max(total, 1), 1)))


def evaluate(net, x, y, batch):
    net.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = net(x[i : i + batch])
            loss_sum += nn.functional.cross_entropy(logits, y[i : i + batch], reduction="sum").item()
            correct += (logits.argmax(1) == y[i : i + batch]).sum().item()
    net.train()
    return loss_sum / len(x), correct / len(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schedule", choices=["cosine", "constant"], default="cosine")
    parser.add_argument("--data", default=datasets.FASHION_MNIST,
                        help="folder of the Fashion-MNIST IDX files")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = load(args.data, "train")
    tx, ty = load(args.data, "t10k")
    net = model()
    dlg_init(net)
    rate = 1e-3
    optimizer = torch.optim.Adam(net.parameters(), lr=rate)
    total_steps = args.epochs * math.ceil(len(x) / args.batch)
    step = 0
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(x))
        loss_sum, correct = 0.0, 0
        start = time.perf_counter()
        for i in range(0, len(x), args.batch):
            index = order[i : i + args.batch]
            logits = net(x[index])
            loss = nn.functional.cross_entropy(logits, y[index])
            step += 1
            if args.schedule == "cosine":
                for group in optimizer.param_groups:
                    group["lr"] = rate * cosine(step, total_steps)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(index)
            correct += (logits.argmax(1) == y[index]).sum().item()
        seconds = time.perf_counter() - start
        # At the training batch size, as dlg evaluates (a larger one only raises peak memory).
        test_loss, test_accuracy = evaluate(net, tx, ty, args.batch)
        print(json.dumps({
            "framework": "pytorch", "version": torch.__version__, "threads": args.threads,
            "parameters": sum(p.numel() for p in net.parameters()),
            "epoch": epoch, "train_loss": loss_sum / len(x), "train_accuracy": correct / len(x),
            "test_loss": test_loss, "test_accuracy": test_accuracy, "seconds": seconds,
            "samples_per_second": len(x) / seconds,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }), flush=True)


if __name__ == "__main__":
    main()
