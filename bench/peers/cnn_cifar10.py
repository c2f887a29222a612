"""The CIFAR-10 CNN of graphs/cnn_cifar10.dlg in PyTorch, for side-by-side timing.

Conv2D 32@3x3 + ReLU, MaxPool 2x2, Conv2D 64@3x3 + ReLU, MaxPool 2x2, Conv2D 64@3x3 + ReLU,
Flatten, Dense 64 + ReLU, Dense 10; valid padding; softmax cross-entropy; Adam lr 1e-3;
batch 32; 122570 parameters, as `dlg check graphs/cnn_cifar10.dlg` reports.
dlg keeps images as NHWC and PyTorch as NCHW, so the two Flatten orders differ; that is only
a fixed permutation of fc's inputs and leaves the model the same.

  bench/.venv/bin/python bench/peers/cnn_cifar10.py [--data DIR] [--epochs 1] [--limit N]
"""

import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cifar_peer  # noqa: E402  (the shared loader and training loop, next to this file)


def model():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),    # 32x32x3 -> 30x30x32 -> 15x15x32
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),   # -> 13x13x64 -> 6x6x64 (floor)
        nn.Conv2d(64, 64, 3), nn.ReLU(),                    # -> 4x4x64
        nn.Flatten(),                                       # -> 1024
        nn.Linear(64 * 4 * 4, 64), nn.ReLU(),
        nn.Linear(64, 10),                                  # logits
    )


def optimizer(parameters):
    return torch.optim.Adam(parameters, lr=1e-3)


if __name__ == "__main__":
    args = cifar_peer.arguments(__doc__.split("\n")[0], batch=32)
    cifar_peer.run("cnn_cifar10", model, optimizer, args)
