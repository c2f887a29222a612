#!/usr/bin/env bash
# The one command for side-by-side benchmarks: builds dlg (release), sets up the PyTorch peer
# (bench/.venv), then runs bench/compare.py with the arguments given, e.g.
#   bash bench/compare.sh                              # Fashion-MNIST CNN, 2 rounds
#   bash bench/compare.sh --model all                  # Fashion-MNIST, LeNet and CNN on CIFAR-10
#   bash bench/compare.sh --model lenet_cifar10 --rounds 3 --cifar ~/cifar-10-batches-bin
# Without --cifar the CIFAR models train on synthetic data that bench/make_cifar.py writes to
# bench/.data/ the first time. `python3 bench/compare.py --help` lists every option.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
bash bench/peers/setup.sh
python3 bench/compare.py "$@"
