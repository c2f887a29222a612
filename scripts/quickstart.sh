#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build in release, train the
# Fashion-MNIST CNN for one epoch, and draw it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release
mkdir -p out
.build/release/dlg run graphs/fashion_mnist.dlg --epochs 1 --log out/fashion_mnist.jsonl \
  --save out/fashion_mnist.safetensors
.build/release/dlg viz graphs/fashion_mnist.dlg -o out/fashion_mnist.svg
echo "Try the trained model in a browser or with curl (docs/serving.md):"
echo "  .build/release/dlg serve graphs/fashion_mnist.dlg --weights out/fashion_mnist.safetensors"
