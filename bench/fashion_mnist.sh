#!/usr/bin/env bash
# Side by side: dlg and PyTorch train the Fashion-MNIST CNN for one epoch each, alternately,
# ROUNDS times (default 2), with 2 threads; prints each run and the median ratio.
# Kept for habit: the same as `bash bench/compare.sh --model fashion_mnist`.
set -euo pipefail
exec bash "$(dirname "$0")/compare.sh" --model fashion_mnist "$@"
