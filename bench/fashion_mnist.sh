#!/usr/bin/env bash
# Side by side: dlg and PyTorch train the Fashion-MNIST CNN for one epoch each, alternately,
# ROUNDS times (default 2), with 2 threads; prints each run and the median ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
bash bench/peers/setup.sh
python3 bench/compare.py "$@"
