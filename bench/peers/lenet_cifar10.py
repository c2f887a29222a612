"""The LeNet of graphs/lenet_cifar10.dlg in PyTorch, for side-by-side timing.

Conv2D 6@5x5 + ReLU, MaxPool 2x2, Conv2D 16@5x5 + ReLU, MaxPool 2x2, Flatten, Dense 120 +
ReLU, Dense 84 + ReLU, Dense 10; valid padding; softmax cross-entropy; SGD lr 0.001 with
momentum 0.9; batch 4; 62006 parameters, as `dlg check graphs/lenet_cifar10.dlg` reports.
dlg keeps images as NHWC and PyTorch as NCHW, so the two Flatten orders differ; that is only
a fixed permutation of fc1's inputs and leaves the model the same.

  bench/.venv/bin/python bench/peers/lenet_cifar10.py [--data DIR] [--epochs 1] [--limit N]
"""

import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cifar_peer  # noqa: E402  (the shared loader and training loop, next to this file)


def model():
    return nn.Sequential(
        nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2),     # 32x32x3 -> 28x28x6 -> 14x14x6
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),    # -> 10x10x16 -> 5x5x16
        nn.Flatten(),                                       # -> 400
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),                                  # logits
    )


def optimizer(parameters):
    return torch.optim.SGD(parameters, lr=0.001, momentum=0.9)


if __name__ == "__main__":
    args = cifar_peer.arguments(__doc__.split("\n")[0], batch=4)
    cifar_peer.run("lenet_cifar10", model, optimizer, args)
