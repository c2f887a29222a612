#!/usr/bin/env bash
# Creates the peers' venvs: bench/.venv with PyTorch, NumPy and onnx (torch.onnx.export needs
# it), and bench/.venv-tf with TensorFlow (CPU), Keras and ONNX Runtime, pinned to the versions
# docs/performance.md reports. Two venvs, because TensorFlow and PyTorch each pin their own
# NumPy range. The peers are benchmark and test dependencies only: dlg never needs Python.
#   bash bench/peers/setup.sh            # both
#   bash bench/peers/setup.sh pytorch    # or tensorflow: one of them
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
which="${1:-all}"

if [ "$which" = all ] || [ "$which" = pytorch ]; then
  venv="$here/.venv"
  if ! { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch, numpy, onnx" 2>/dev/null; }; then
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
  fi
fi

if [ "$which" = all ] || [ "$which" = tensorflow ]; then
  venv="$here/.venv-tf"
  if ! { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import tensorflow, keras, onnxruntime" 2>/dev/null; }; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip >/dev/null
    "$venv/bin/pip" install --quiet tensorflow-cpu==2.21.0 keras==3.15.1 onnxruntime==1.31.1 \
      onnx==1.23.2
  fi
fi
