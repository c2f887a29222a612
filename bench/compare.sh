#!/usr/bin/env bash
# The one command for side-by-side benchmarks: builds dlg (release), sets up the peers
# (bench/.venv with PyTorch, bench/.venv-tf with TensorFlow/Keras and ONNX Runtime), then runs
# bench/compare.py (training) or, with --inference first, bench/inference.py, e.g.
#   bash bench/compare.sh                              # Fashion-MNIST CNN, 2 rounds
#   bash bench/compare.sh --model all                  # every model against every peer
#   bash bench/compare.sh --model lenet_cifar10 --batch 1 4 32 64 256 --limit 5000
#   bash bench/compare.sh --inference --model all      # latency at batches 1, 16 and 64
# Without --cifar the CIFAR models train on synthetic data that bench/make_cifar.py writes to
# bench/.data/ the first time. `python3 bench/compare.py --help` (or inference.py) lists every
# option.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
bash bench/peers/setup.sh
if [ "${1:-}" = --inference ]; then
  shift
  exec python3 bench/inference.py "$@"
fi
exec python3 bench/compare.py "$@"
