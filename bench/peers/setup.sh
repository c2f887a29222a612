#!/usr/bin/env bash
# Creates bench/.venv with PyTorch, NumPy and onnx (torch.onnx.export needs it) for the peer
# scripts. PyTorch is a benchmark and test dependency only: dlg itself never needs Python.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch, numpy, onnx" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip >/dev/null
# A CPU-only wheel is staged on these machines; it installs in seconds. Otherwise PyPI's
# default torch (a large CUDA build, which also runs on a CPU).
wheel=$(ls /opt/wheels/torch-*+cpu-*.whl 2>/dev/null | head -n 1 || true)
if [ -n "$wheel" ]; then
  "$venv/bin/pip" install --quiet "$wheel" numpy onnx==1.23.2
else
  "$venv/bin/pip" install --quiet torch numpy onnx==1.23.2
fi
